/**
 * `npm start` says "platform ready" only once every service's /ready answers 200, says what it is
 * waiting for meanwhile, gives up after STARTUP_TIMEOUT_MS (0: never), and afterwards says when a
 * service stops being ready and when it is back (a server that went away, then returned).
 */
import { sleep } from '@platform/shared/async';
import type { Fetch } from '@platform/shared/http';
import type { Logger } from '@platform/shared/log';

export interface ReadinessTarget {
  name: string;
  fetch: Fetch;
}

export interface ServiceReadiness {
  name: string;
  ready: boolean;
  /** The checks that fail: `broker`, `store`, `accepting`. */
  failing: string[];
}

/** Each service's own /ready, asked in-process. */
export async function readinessOf(services: readonly ReadinessTarget[]): Promise<ServiceReadiness[]> {
  return Promise.all(
    services.map(async ({ name, fetch }) => {
      try {
        const response = await fetch(new Request(`http://gateway/${name}/ready`));
        const body = (await response.json()) as { checks?: Record<string, boolean> };
        const failing = Object.entries(body.checks ?? {})
          .filter(([, ok]) => !ok)
          .map(([check]) => check);
        return { name, ready: response.status === 200, failing };
      } catch (err) {
        return { name, ready: false, failing: [err instanceof Error ? err.message : String(err)] };
      }
    }),
  );
}

/** `shopping (broker), products (broker, store)` */
export const describeWaiting = (states: readonly ServiceReadiness[]) =>
  states
    .filter((s) => !s.ready)
    .map((s) => `${s.name} (${s.failing.join(', ') || 'not ready'})`)
    .join(', ');

export interface ReadyWaitOptions {
  logger: Logger;
  /** 0: as long as it takes. */
  timeoutMs: number;
  pollMs?: number;
  /** How often the waiting is said. */
  sayEveryMs?: number;
}

/** Resolves true once every service is ready, false when the time is up (said as an error). */
export async function waitUntilReady(services: readonly ReadinessTarget[], o: ReadyWaitOptions): Promise<boolean> {
  const started = Date.now();
  const pollMs = o.pollMs ?? 200;
  const sayEveryMs = o.sayEveryMs ?? 3_000;
  let lastSaid = started;
  for (;;) {
    const states = await readinessOf(services);
    if (states.every((s) => s.ready)) return true;
    const now = Date.now();
    if (o.timeoutMs > 0 && now - started >= o.timeoutMs) {
      o.logger.error(
        `not ready after ${Math.round((now - started) / 1000)} s: ${describeWaiting(states)}; ` +
          'the lines above say why (STARTUP_TIMEOUT_MS=0 waits as long as it takes)',
      );
      return false;
    }
    if (now - lastSaid >= sayEveryMs) {
      o.logger.info(`waiting for ${describeWaiting(states)}`);
      lastSaid = now;
    }
    await sleep(pollMs);
  }
}

/** Logs each change between "every service ready" and not; stops with the returned function. */
export function watchReadiness(services: readonly ReadinessTarget[], logger: Logger, everyMs = 5_000): () => void {
  let wasReady = true;
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      await sleep(everyMs);
      if (stopped) return;
      const states = await readinessOf(services);
      const ready = states.every((s) => s.ready);
      if (ready !== wasReady) {
        if (ready) logger.info('platform ready again');
        else logger.warn(`platform not ready: ${describeWaiting(states)}`);
        wasReady = ready;
      }
    }
  };
  void loop();
  return () => {
    stopped = true;
  };
}
