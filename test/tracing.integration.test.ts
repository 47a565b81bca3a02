import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { startRealService, uniqueName } from './helpers.ts';
import { describeSpan, expectOneTraceAcrossTheSaga, parentOf, runTracedOrder, spanOf } from './traced-saga.ts';

const childrenOf = (trace: ReadableSpan[], parent: ReadableSpan) =>
  trace.filter((s) => parentOf(s) === parent.spanContext().spanId);

describe('tracing on RabbitMQ and a MongoDB-compatible server', () => {
  it('one order is one trace across the four hops, with a span per database command under each', async () => {
    const exchange = uniqueName('tracing');
    const prefix = exchange.replace(/-/g, '_');
    const { trace, orderSpan } = await runTracedOrder((manifest, tracing) =>
      startRealService(manifest, { exchange, database: `${prefix}_${manifest.name}`, tracing }),
    );
    expect(orderSpan).toBeDefined();
    expectOneTraceAcrossTheSaga(trace, orderSpan);

    const commands = (parent: ReadableSpan) =>
      childrenOf(trace, parent).filter(
        (s) => s.kind === SpanKind.CLIENT && s.attributes['db.system.name'] === 'mongodb',
      );
    // the order's insert under the request, the reservation's writes under its event
    expect(commands(orderSpan).map(describeSpan)).toContain('shopping CLIENT insert orders');
    expect(commands(spanOf(trace, 'products', 'process order.placed')).length).toBeGreaterThan(0);
    expect(commands(spanOf(trace, 'customer', 'process order.confirmed')).length).toBeGreaterThan(0);
    for (const s of trace.filter((t) => t.attributes['db.system.name'] === 'mongodb')) {
      expect(String(s.attributes['db.namespace'])).toMatch(new RegExp(`^${prefix}_`));
    }
  });
});
