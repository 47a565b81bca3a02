import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, inject } from 'vitest';
import { restartServer } from './servers.ts';

export const backends = () => inject('backends');

/** A name no other test uses: each suite gets its own exchange, queues and databases. */
export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** A database of its own for one suite, dropped when the suite ends. */
export function testDatabase(prefix: string) {
  const client = new MongoClient(backends().mongoUrl, { serverSelectionTimeoutMS: 5_000 });
  const db = client.db(uniqueName(prefix).replace(/-/g, '_'));
  afterAll(async () => {
    await db.dropDatabase().catch(() => {});
    await client.close();
  });
  return db;
}

export const restartBroker = (o: { hard: boolean; downMs?: number }) => restartServer(backends().broker, o);
export const restartDatabase = (o: { hard: boolean; downMs?: number }) => restartServer(backends().database, o);

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
