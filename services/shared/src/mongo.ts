import { type Collection, type Db, MongoClient, type MongoClientOptions, MongoServerError } from 'mongodb';
import type { DomainEvent } from './events.ts';
import { OUTBOX_GRACE_MS, type OutboxEntry, type OutboxStore } from './outbox.ts';

export interface MongoOptions {
  url: string;
  /** CA bundle for TLS (DocumentDB). */
  tlsCAFile?: string | undefined;
  /** Credentials given apart from the URL. */
  username?: string | undefined;
  password?: string | undefined;
  /** Database used when the URL names none: each service has its own. */
  defaultDatabase: string;
  appName: string;
}

/**
 * Connects with options that hold on DocumentDB as well as MongoDB: `retryWrites=false`, the
 * TLS settings and the pool size stay in the URL and are honoured as given; the CA file comes
 * from the config.
 * The driver reconnects by itself after a database restart; operations in between fail fast
 * (serverSelectionTimeoutMS) and are retried by their callers (HTTP 503, message redelivery).
 */
export async function connectMongo(o: MongoOptions): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(o.url, mongoClientOptions(o));
  await client.connect();
  return { client, db: client.db(databaseFromUrl(o.url) ?? o.defaultDatabase) };
}

export function mongoClientOptions(o: MongoOptions): MongoClientOptions {
  return {
    appName: o.appName,
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    // A default only: options in the URL (e.g. `maxPoolSize=10` for a small DocumentDB instance,
    // whose connection limit all tasks share) must win, and the driver lets this object win.
    ...(!/[?&]maxPoolSize=/i.test(o.url) && { maxPoolSize: 50 }),
    ...(o.tlsCAFile && { tls: true, tlsCAFile: o.tlsCAFile }),
    ...(o.username && o.password && { auth: { username: o.username, password: o.password } }),
  };
}

export function databaseFromUrl(url: string): string | undefined {
  const name = url.match(/^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/)?.[1];
  return name ? decodeURIComponent(name) : undefined;
}

export async function pingMongo(db: Db): Promise<boolean> {
  try {
    await db.command({ ping: 1 }, { timeoutMS: 1_000 });
    return true;
  } catch {
    return false;
  }
}

export const isDuplicateKey = (err: unknown): boolean => err instanceof MongoServerError && err.code === 11000;

// ---------------------------------------------------------------------------------------------
// The outbox on a MongoDB collection

export interface OutboxFields {
  outbox: DomainEvent[];
  /** Set while events are pending: when the poller may take them. Sparse index. */
  outboxDueAt?: Date;
}

/** Fields for a document written together with its events. */
export function withOutbox(events: DomainEvent[], now = Date.now()): OutboxFields {
  return { outbox: events, outboxDueAt: new Date(now + OUTBOX_GRACE_MS) };
}

/** Update operators that append events to a document's outbox in the same write. */
export function pushOutbox(events: DomainEvent[], now = Date.now()) {
  return {
    $push: { outbox: { $each: events } },
    $set: { outboxDueAt: new Date(now + OUTBOX_GRACE_MS) },
  };
}

type OutboxDoc = OutboxFields & { _id: string };

/**
 * How long fully sent outboxes are gathered before they are cleared in one bulk write. Marking
 * as sent delays nobody (the events are out), and one write for several documents costs about
 * half as much as one each, in the service and in the database. A crash in between only means
 * the events are published again, which consumers dedupe.
 */
export const SENT_BATCH_MS = 25;
const SENT_BATCH_MAX = 500;

export function mongoOutboxStore<T extends OutboxDoc>(name: string, collection: Collection<T>): OutboxStore {
  const c = collection as unknown as Collection<OutboxDoc>;
  let batch: Array<{ key: string; settle: (err?: unknown) => void }> = [];
  let timer: NodeJS.Timeout | undefined;
  const clearBatch = async () => {
    clearTimeout(timer); // a full batch goes early; its timer must not cut the next one short
    const taken = batch;
    batch = [];
    try {
      await c.bulkWrite(
        taken.map(({ key }) => ({
          updateOne: { filter: { _id: key }, update: { $set: { outbox: [] }, $unset: { outboxDueAt: '' } } },
        })),
        { ordered: false },
      );
      for (const t of taken) t.settle();
    } catch (err) {
      for (const t of taken) t.settle(err);
    }
  };
  return {
    name,
    async claimDue(limit, leaseMs) {
      const entries: OutboxEntry[] = [];
      while (entries.length < limit) {
        const now = Date.now();
        const doc = await c.findOneAndUpdate(
          { outboxDueAt: { $lte: new Date(now) } },
          { $set: { outboxDueAt: new Date(now + leaseMs) } },
          { sort: { outboxDueAt: 1 }, returnDocument: 'after' }, // no projection: FerretDB refuses one here
        );
        if (!doc) break;
        if (doc.outbox.length > 0) entries.push({ key: doc._id, events: doc.outbox });
        else await c.updateOne({ _id: doc._id }, { $unset: { outboxDueAt: '' } });
      }
      return entries;
    },
    // Filters on _id alone: the one filter FerretDB 1.x pushes down to its index (any other
    // filter reads the whole collection), and the cheapest on MongoDB and DocumentDB too.
    async markSent(key, events, all) {
      if (!all) {
        await c.updateOne({ _id: key }, { $pullAll: { outbox: events } });
        return;
      }
      await new Promise<void>((resolve, reject) => {
        const size = batch.push({ key, settle: (err) => (err === undefined ? resolve() : reject(err)) });
        if (size === 1) timer = setTimeout(clearBatch, SENT_BATCH_MS);
        else if (size >= SENT_BATCH_MAX) void clearBatch();
      });
    },
  };
}

export async function createOutboxIndex<T extends OutboxDoc>(collection: Collection<T>): Promise<void> {
  await (collection as unknown as Collection<OutboxDoc>).createIndex({ outboxDueAt: 1 }, { sparse: true });
}
