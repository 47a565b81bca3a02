import { describe, expect, it } from 'vitest';
import { describeWaiting, readinessOf, waitUntilReady, watchReadiness } from '../lib/readiness.ts';

/** A service whose /ready answers as `checks()` says, as the kit's does. */
const service = (name: string, checks: () => Record<string, boolean>) => ({
  name,
  fetch: async (request: Request) => {
    expect(new URL(request.url).pathname).toBe(`/${name}/ready`);
    const c = checks();
    const ready = Object.values(c).every(Boolean);
    return Response.json(
      { status: ready ? 'ready' : 'unavailable', service: name, checks: c },
      { status: ready ? 200 : 503 },
    );
  },
});

function recordingLogger() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (msg: string) => lines.push({ level, msg });
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return { logger, lines };
}

describe('readiness of the services behind the gateway', () => {
  it('names the checks that fail', async () => {
    const states = await readinessOf([
      service('customer', () => ({ store: true, broker: true })),
      service('shopping', () => ({ store: false, broker: false, accepting: true })),
      { name: 'broken', fetch: async () => Promise.reject(new Error('boom')) },
    ]);
    expect(states).toEqual([
      { name: 'customer', ready: true, failing: [] },
      { name: 'shopping', ready: false, failing: ['store', 'broker'] },
      { name: 'broken', ready: false, failing: ['boom'] },
    ]);
    expect(describeWaiting(states)).toBe('shopping (store, broker), broken (boom)');
  });

  it('waits until every service is ready, saying what for meanwhile', async () => {
    const { logger, lines } = recordingLogger();
    const readyAt = Date.now() + 400;
    const ok = await waitUntilReady(
      [service('customer', () => ({ broker: true })), service('products', () => ({ broker: Date.now() >= readyAt }))],
      { logger, timeoutMs: 5_000, pollMs: 20, sayEveryMs: 100 },
    );
    expect(ok).toBe(true);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.level === 'info' && l.msg === 'waiting for products (broker)')).toBe(true);
  });

  it('gives up when the time is up, saying what it waited for', async () => {
    const { logger, lines } = recordingLogger();
    const ok = await waitUntilReady([service('products', () => ({ broker: false }))], {
      logger,
      timeoutMs: 200,
      pollMs: 20,
    });
    expect(ok).toBe(false);
    expect(lines.at(-1)).toEqual({
      level: 'error',
      msg: 'not ready after 0 s: products (broker); the lines above say why (STARTUP_TIMEOUT_MS=0 waits as long as it takes)',
    });
  });

  it('afterwards says when the platform stops being ready and when it is back, once each', async () => {
    const { logger, lines } = recordingLogger();
    let broker = true;
    const stop = watchReadiness([service('shopping', () => ({ broker }))], logger, 20);
    try {
      await new Promise((r) => setTimeout(r, 100));
      broker = false;
      await new Promise((r) => setTimeout(r, 150));
      broker = true;
      await new Promise((r) => setTimeout(r, 150));
    } finally {
      stop();
    }
    expect(lines).toEqual([
      { level: 'warn', msg: 'platform not ready: shopping (broker)' },
      { level: 'info', msg: 'platform ready again' },
    ]);
  });
});
