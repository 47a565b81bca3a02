import type { Collection, OptionalUnlessRequiredId } from 'mongodb';
import type { DomainEvent } from './events.ts';
import { isDuplicateKey } from './mongo.ts';
import {
  addPending,
  type EventSink,
  OUTBOX_GRACE_MS,
  type OutboxEntry,
  type OutboxStore,
  PENDING_LOOK_AT,
  type PendingEvents,
} from './outbox.ts';

/**
 * The outbox on MongoDB collections: a document written with the events it announces, in one
 * insert, so both happen or neither does, on any store without multi-document transactions.
 */

export interface OutboxFields {
  outbox: DomainEvent[];
  /** Set while events are pending: when the poller may take them. Sparse index. */
  outboxDueAt?: Date;
}

/** Fields for a document written together with its events. */
export function withOutbox(events: DomainEvent[], now = Date.now()): OutboxFields {
  return { outbox: events, outboxDueAt: new Date(now + OUTBOX_GRACE_MS) };
}

type OutboxDoc = OutboxFields & { _id: string };

/**
 * How long fully sent outboxes are gathered before they are cleared in one bulk write. Marking
 * as sent delays nobody (the events are out, and the relay does not wait for it), and one write
 * for many documents costs far less than one each, in the service and in the database: at 25
 * orders/s, about 0.1 update commands per order instead of 0.9 with 100 ms. Well inside
 * OUTBOX_GRACE_MS, so the poller never takes a sent entry for a stuck one. A crash in between
 * only means the events are published again, which consumers dedupe.
 */
export const SENT_BATCH_MS = 1_000;
/**
 * At most this many documents per bulk write. FerretDB 1.24 (SQLite) stops answering for good
 * when a bulk update of about 50 documents meets concurrent writes to the same database
 * (reproduced with 50 and 100; 16 and 25 held for a minute under the same load).
 */
export const SENT_BATCH_MAX = 20;

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
    async flushSent() {
      if (batch.length > 0) await clearBatch();
    },
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
    async pending() {
      let summary: PendingEvents = { events: 0, oldestAt: undefined };
      const docs = c.find({ outboxDueAt: { $exists: true } }, { projection: { outbox: 1 }, limit: PENDING_LOOK_AT });
      for await (const doc of docs) summary = addPending(summary, doc.outbox ?? []);
      return summary;
    },
  };
}

export async function createOutboxIndex<T extends OutboxDoc>(collection: Collection<T>): Promise<void> {
  await (collection as unknown as Collection<OutboxDoc>).createIndex({ outboxDueAt: 1 }, { sparse: true });
}

/**
 * A collection whose documents are written together with their events. The only way in is
 * `insertWithEvents`: the events are stored in the same insert and published right after it by
 * the relay, so no event is ever written that is not relayed. Reads go through `collection`;
 * `withoutOutbox` strips the outbox fields from what they return.
 */
export class MongoEventCollection<T extends { _id: string }> {
  readonly collection: Collection<T & OutboxFields>;
  readonly #sink: EventSink;

  /** `sinkFor` registers the collection's outbox with the relay and answers where writes report. */
  constructor(collection: Collection<T>, sinkFor: (collection: Collection<T & OutboxFields>) => EventSink) {
    this.collection = collection as unknown as Collection<T & OutboxFields>;
    this.#sink = sinkFor(this.collection);
  }

  /** The index the relay's poller finds pending events by. */
  async init(): Promise<void> {
    await createOutboxIndex(this.collection);
  }

  /** Inserts `doc` with `events`; `exists` (and nothing written) when its _id is taken. */
  async insertWithEvents(doc: T, events: DomainEvent[]): Promise<'inserted' | 'exists'> {
    this.#sink.check(events);
    try {
      await this.collection.insertOne({ ...doc, ...withOutbox(events) } as OptionalUnlessRequiredId<T & OutboxFields>);
    } catch (err) {
      if (isDuplicateKey(err)) return 'exists';
      throw err;
    }
    this.#sink.written(doc._id, events);
    return 'inserted';
  }
}

/** A document as stored, without the outbox fields. */
export function withoutOutbox<T extends object>(doc: T & Partial<OutboxFields>): T {
  const { outbox: _, outboxDueAt: __, ...rest } = doc;
  return rest as T;
}
