import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { expect } from 'vitest';
import customer from '../services/customer/src/service.ts';
import products from '../services/products/src/service.ts';
import { createTokens } from '../services/shared/src/auth.ts';
import { uuidv7 } from '../services/shared/src/ids.ts';
import { silentLogger } from '../services/shared/src/log.ts';
import type { RunningService } from '../services/shared/src/runtime.ts';
import type { AnyManifest } from '../services/shared/src/service.ts';
import { createTracing, type Tracing } from '../services/shared/src/tracing.ts';
import shopping from '../services/shopping/src/service.ts';
import { eventually, TEST_JWT_SECRET } from './helpers.ts';

/**
 * One order through the saga with tracing on in every service, spans kept in memory: the
 * scenario both tracing tests run, on the embedded backends and on the real servers.
 */

export type StartTraced = (manifest: AnyManifest, tracing: Tracing) => Promise<RunningService>;

export interface TracedOrder {
  spans: ReadableSpan[];
  /** The spans of the order's trace. */
  trace: ReadableSpan[];
  orderSpan: ReadableSpan;
  requestId: string;
}

const serviceOf = (s: ReadableSpan) => String(s.resource.attributes['service.name']);
export const describeSpan = (s: ReadableSpan) => `${serviceOf(s)} ${SpanKind[s.kind]} ${s.name}`;

export async function runTracedOrder(start: StartTraced, o: { sampleRatio?: number } = {}) {
  const exporter = new InMemorySpanExporter();
  const tracingFor = (service: string) =>
    createTracing({
      service,
      exporter: 'none',
      sampleRatio: o.sampleRatio ?? 1,
      logger: silentLogger,
      spanExporter: exporter,
    });
  const running: RunningService[] = [];
  for (const manifest of [customer, products, shopping] as AnyManifest[]) {
    running.push(await start(manifest, tracingFor(manifest.name)));
  }
  const byName = Object.fromEntries(running.map((s) => [s.name, s]));
  const tokens = await createTokens(TEST_JWT_SECRET, 3600);
  const admin = await tokens.issue({ id: uuidv7(), email: 'admin@example.com', role: 'admin' });
  const buyerId = uuidv7();
  const buyer = await tokens.issue({ id: buyerId, email: 'buyer@example.com', role: 'customer' });
  const call = async (service: string, method: string, path: string, token: string, body?: unknown, headers = {}) => {
    const res = await (byName[service] as RunningService).fetch(
      new Request(`http://test/${service}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      }),
    );
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
  };

  try {
    const product = await call('products', 'POST', '/', admin, {
      name: 'Tea',
      category: 'drinks',
      unit: 'box',
      priceCents: 450,
      stock: 10,
    });
    expect(product.status).toBe(201);
    const productId = product.body.id as string;
    await eventually(
      async () => (await call('shopping', 'PUT', `/cart/items/${productId}`, buyer, { qty: 2 })).status === 200,
      20_000,
      'shopping knows the product (product.changed)',
    );
    // A caller's own trace context is continued; its "sampled" flag is not what decides.
    const placed = await call('shopping', 'POST', '/orders', buyer, undefined, {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(placed.status).toBe(202);
    const orderId = placed.body.orderId as string;
    await eventually(
      async () => {
        const history = await call('customer', 'GET', '/orders', buyer);
        return (history.body as unknown as Array<{ orderId: string; status: string }>).some(
          (h) => h.orderId === orderId && h.status === 'CONFIRMED',
        );
      },
      30_000,
      'the order confirmed in the customer history',
    );
    for (const s of running) await s.relay.settle();
    const spans = exporter.getFinishedSpans();
    const orderSpan = spans.find((s) => s.kind === SpanKind.SERVER && s.name === 'POST /orders');
    return {
      spans,
      orderSpan,
      trace: orderSpan ? spans.filter((s) => s.spanContext().traceId === orderSpan.spanContext().traceId) : [],
      requestId: placed.headers.get('x-request-id') as string,
    } as TracedOrder & { orderSpan: ReadableSpan | undefined };
  } finally {
    for (const s of running.reverse()) await s.stop();
  }
}

/** The span of `service` named `name` in the trace, exactly one of them. */
export function spanOf(trace: ReadableSpan[], service: string, name: string): ReadableSpan {
  const found = trace.filter((s) => serviceOf(s) === service && s.name === name);
  expect(
    found.map(describeSpan),
    `${service} ${name} in the trace: ${trace.map(describeSpan).join(', ')}`,
  ).toHaveLength(1);
  return found[0] as ReadableSpan;
}

export const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

/** The four hops of one order, each a child of the one before: shopping -> products -> shopping -> customer. */
export function expectOneTraceAcrossTheSaga(trace: ReadableSpan[], orderSpan: ReadableSpan) {
  const placedOut = spanOf(trace, 'shopping', 'publish order.placed');
  const placedIn = spanOf(trace, 'products', 'process order.placed');
  const reservedOut = spanOf(trace, 'products', 'publish stock.reserved');
  const reservedIn = spanOf(trace, 'shopping', 'process stock.reserved');
  const confirmedOut = spanOf(trace, 'shopping', 'publish order.confirmed');
  const confirmedIn = spanOf(trace, 'customer', 'process order.confirmed');
  const historyIn = spanOf(trace, 'customer', 'process order.placed');
  // the publish happens after the request (the relay), still a child of the request's span
  expect(parentOf(placedOut)).toBe(orderSpan.spanContext().spanId);
  expect(parentOf(placedIn)).toBe(placedOut.spanContext().spanId);
  expect(parentOf(historyIn)).toBe(placedOut.spanContext().spanId);
  expect(parentOf(reservedOut)).toBe(placedIn.spanContext().spanId);
  expect(parentOf(reservedIn)).toBe(reservedOut.spanContext().spanId);
  expect(parentOf(confirmedOut)).toBe(reservedIn.spanContext().spanId);
  expect(parentOf(confirmedIn)).toBe(confirmedOut.spanContext().spanId);
  expect(new Set(trace.map(serviceOf))).toEqual(new Set(['shopping', 'products', 'customer']));
}
