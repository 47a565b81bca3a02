import { registeredServices } from '../services/shared/src/topology.ts';
import { eventually } from './eventually.ts';

/**
 * Waits until every service behind the `npm start` gateway at `base` answers /ready with 200, as
 * "platform ready" does (scripts/lib/readiness.ts). The gateway answers before each service has
 * its broker connection, so one service's /ready says nothing of the others.
 */
export async function untilPlatformReady(base: string, ms = 30_000): Promise<void> {
  const ready = async (service: string) =>
    (await fetch(`${base}/${service}/ready`).catch(() => undefined))?.status === 200;
  await eventually(
    async () => (await Promise.all(registeredServices().map(ready))).every(Boolean),
    ms,
    'platform ready',
  );
}
