/**
 * One-off task: which events of this service's outboxes are still waiting to be published.
 * Read-only. Run in AWS with `npm run run-task -- products check-outbox [-- --limit 20]`; the
 * image holds it as /app/tasks/check-outbox.mjs (scripts/build.ts).
 *
 * A document is written with its events and stamped by the process that wrote it (`outboxWriter`,
 * `outboxAt`); each process records in `outbox_writers` a watermark (everything it stamped up to
 * there is published) and until when it counts as alive. Events wait when they are stamped after
 * their writer's watermark: for a moment normally, for long when the broker is down, or when the
 * writer died and no task has recovered it yet. Documents written before watermarks carry
 * `outboxDueAt` while their events wait. An event waiting longer than --stuck-after is stuck.
 * Every collection of the database is looked at, so the task follows whatever collections the
 * service keeps its outboxes in.
 *
 * Prints JSON lines like the services do. Exit codes: 0 nothing stuck, 3 something stuck for
 * longer than --stuck-after seconds (300), 1 the database failed, 2 bad configuration or usage.
 */
import { parseArgs } from 'node:util';
import { baseConfigSchema, ConfigError, parseConfig } from '@platform/shared/config';
import { connectMongo } from '@platform/shared/mongo';
import type { Db } from 'mongodb';

const configSchema = baseConfigSchema
  .pick({ MONGO_URL: true, MONGO_TLS_CA_FILE: true, MONGO_USERNAME: true, MONGO_PASSWORD: true })
  .required({ MONGO_URL: true });

export interface PendingOutbox {
  collection: string;
  /** Documents with events waiting to be published. */
  documents: number;
  /** Of those, the ones waiting for longer than stuckAfterMs. */
  stuck: number;
  oldest: Array<{ id: string; since: string; waitingSeconds: number; writer?: string; types: string[] }>;
}

interface OutboxDoc {
  _id: unknown;
  outbox?: Array<{ type?: string }>;
  outboxWriter?: string;
  outboxAt?: Date;
  outboxDueAt?: Date;
}

/** Documents with events waiting, per collection, the longest waiting first. */
export async function pendingOutboxes(
  db: Db,
  o: { limit: number; stuckAfterMs: number },
  now = Date.now(),
): Promise<PendingOutbox[]> {
  const writers = await db
    .collection<{ _id: string; watermark: Date }>('outbox_writers')
    .find({}, { projection: { watermark: 1 } })
    .toArray();
  const waiting = [
    { outboxDueAt: { $exists: true } },
    ...writers.map((w) => ({ outboxWriter: w._id, outboxAt: { $gt: w.watermark } })),
  ];
  const found: PendingOutbox[] = [];
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    if (name.startsWith('system.') || name === 'outbox_writers') continue;
    const docs = await db
      .collection<OutboxDoc>(name)
      .find({ $or: waiting }, { projection: { outbox: 1, outboxWriter: 1, outboxAt: 1, outboxDueAt: 1 } })
      .toArray();
    if (docs.length === 0) continue;
    // Since when each waits: its stamp, or for one written before watermarks, its due time.
    const since = (d: OutboxDoc) => (d.outboxDueAt ?? d.outboxAt ?? new Date(now)).getTime();
    docs.sort((a, b) => since(a) - since(b));
    found.push({
      collection: name,
      documents: docs.length,
      stuck: docs.filter((d) => since(d) < now - o.stuckAfterMs).length,
      oldest: docs.slice(0, o.limit).map((d) => ({
        id: String(d._id),
        since: new Date(since(d)).toISOString(),
        waitingSeconds: Math.max(0, Math.round((now - since(d)) / 1000)),
        ...(d.outboxWriter && { writer: d.outboxWriter }),
        types: (d.outbox ?? []).map((e) => e.type ?? '?'),
      })),
    });
  }
  return found;
}

const line = (level: string, msg: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);

async function main(): Promise<number> {
  let options: { limit: number; stuckAfter: number };
  let config: ReturnType<typeof configSchema.parse>;
  try {
    const { values } = parseArgs({
      options: { limit: { type: 'string', default: '10' }, 'stuck-after': { type: 'string', default: '300' } },
    });
    options = { limit: Number(values.limit), stuckAfter: Number(values['stuck-after']) };
    if (!Number.isInteger(options.limit) || options.limit < 0 || !(options.stuckAfter >= 0)) {
      throw new ConfigError('--limit takes a whole number, --stuck-after a number of seconds');
    }
    config = parseConfig(configSchema, process.env);
  } catch (err) {
    line('error', err instanceof Error ? err.message : String(err));
    return 2;
  }

  const { client, db } = await connectMongo({
    url: config.MONGO_URL,
    tlsCAFile: config.MONGO_TLS_CA_FILE,
    username: config.MONGO_USERNAME,
    password: config.MONGO_PASSWORD,
    defaultDatabase: 'products',
    appName: 'products-check-outbox',
  }).catch((err: unknown) => {
    line('error', 'cannot reach the database', { err: err instanceof Error ? err.message : String(err) });
    return { client: undefined, db: undefined };
  });
  if (!client || !db) return 1;
  try {
    const pending = await pendingOutboxes(db, { limit: options.limit, stuckAfterMs: options.stuckAfter * 1000 });
    for (const p of pending) line(p.stuck > 0 ? 'warn' : 'info', 'pending outbox', { ...p });
    const stuck = pending.reduce((sum, p) => sum + p.stuck, 0);
    line(stuck > 0 ? 'warn' : 'info', stuck > 0 ? 'outbox entries stuck' : 'outbox checked', {
      database: db.databaseName,
      pending: pending.reduce((sum, p) => sum + p.documents, 0),
      stuck,
      stuckAfterSeconds: options.stuckAfter,
    });
    return stuck > 0 ? 3 : 0;
  } catch (err) {
    line('error', 'outbox check failed', { err: err instanceof Error ? err.message : String(err) });
    return 1;
  } finally {
    await client.close();
  }
}

if (import.meta.main) process.exitCode = await main();
