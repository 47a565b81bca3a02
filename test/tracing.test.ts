import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../services/shared/src/bus-memory.ts';
import { parseConfig } from '../services/shared/src/config.ts';
import { silentLogger } from '../services/shared/src/log.ts';
import { startService } from '../services/shared/src/runtime.ts';
import { configSchemaOf } from '../services/shared/src/service.ts';
import { TEST_JWT_SECRET } from './helpers.ts';
import { expectOneTraceAcrossTheSaga, runTracedOrder, type StartTraced } from './traced-saga.ts';

/** The embedded platform: every service in this process on one in-memory bus, as `npm start` runs it. */
function embedded(): StartTraced {
  const bus = new MemoryBus({ retryBaseMs: 5 });
  return (manifest, tracing) =>
    startService(
      manifest,
      parseConfig(configSchemaOf(manifest), { JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'silent' }),
      {
        bus,
        tracing,
        logger: silentLogger,
      },
    );
}

describe('tracing on the embedded platform', () => {
  it('one order is one trace: shopping -> products -> shopping -> customer, each hop a child of the one before', async () => {
    const { trace, orderSpan, requestId } = await runTracedOrder(embedded());
    expect(orderSpan).toBeDefined();
    expectOneTraceAcrossTheSaga(trace, orderSpan);
    // the caller's trace is continued, and the request id joins the span to the access log
    expect(orderSpan.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(orderSpan.attributes['request.id']).toBe(requestId);
    expect(orderSpan.attributes['http.response.status_code']).toBe(202);
  });

  it('sampling decides by trace id, whatever the caller asks: at 0 no span at all, and the order still goes through', async () => {
    const { spans, orderSpan } = await runTracedOrder(embedded(), { sampleRatio: 0 });
    expect(orderSpan).toBeUndefined();
    expect(spans).toEqual([]);
  });
});
