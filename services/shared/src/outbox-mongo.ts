import type { Collection, Db, Filter, FindCursor, OptionalUnlessRequiredId } from 'mongodb';
import type { DomainEvent } from './events.ts';
import { isDuplicateKey } from './mongo.ts';
import {
  addPending,
  type EventSink,
  OUTBOX_GRACE_MS,
  type OutboxEntry,
  type OutboxStamp,
  type OutboxStore,
  type OutboxWriters,
  PENDING_LOOK_AT,
  type PendingEvents,
} from './outbox.ts';

/**
 * The outbox on MongoDB collections: a document written with the events it announces and its
 * stamp, in one insert, so both happen or neither does, on any store without multi-document
 * transactions.
 */

export interface OutboxFields {
  outbox: DomainEvent[];
  /** The process that wrote the document (OutboxRelay.writer), and when. */
  outboxWriter?: string;
  outboxAt?: Date;
  /** Documents written before watermarks: set while their events were pending. Sparse index. */
  outboxDueAt?: Date;
}

/** Fields of a document written with events, stamped by its writer. */
export function stampedOutbox(events: DomainEvent[], stamp: OutboxStamp): OutboxFields {
  return { outbox: events, outboxWriter: stamp.writer, outboxAt: new Date(stamp.at) };
}

/** Fields of a document as the code before watermarks wrote it: pending until marked as sent. */
export function dueOutbox(events: DomainEvent[], now = Date.now()): OutboxFields {
  return { outbox: events, outboxDueAt: new Date(now + OUTBOX_GRACE_MS) };
}

type OutboxDoc = OutboxFields & { _id: string };

export function mongoOutboxStore<T extends OutboxDoc>(name: string, collection: Collection<T>): OutboxStore {
  const c = collection as unknown as Collection<OutboxDoc>;
  return {
    name,
    // No index serves this (FerretDB 1.x would not use one; on MongoDB and DocumentDB one would
    // cost every insert): it runs twice after a process dies, not per write.
    async *writtenAfter(writer, after) {
      const docs = c.find({ outboxWriter: writer, outboxAt: { $gt: new Date(after) } }).sort({ outboxAt: 1, _id: 1 });
      for await (const doc of docs) yield { key: doc._id, events: doc.outbox, at: doc.outboxAt?.getTime() ?? 0 };
    },
    async stamped(key) {
      const doc = await c.findOne({ _id: key });
      if (!doc?.outboxWriter || !doc.outboxAt) return undefined;
      return { key, events: doc.outbox, stamp: { writer: doc.outboxWriter, at: doc.outboxAt.getTime() } };
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
    // Filters on _id alone: the one filter FerretDB 1.x as released pushes down (any other
    // filter reads the whole collection), and the cheapest on MongoDB and DocumentDB too.
    async markSent(key, events, all) {
      await c.updateOne(
        { _id: key },
        all ? { $set: { outbox: [] }, $unset: { outboxDueAt: '' } } : { $pullAll: { outbox: events } },
      );
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

interface WriterDoc {
  _id: string;
  watermark: Date;
  aliveUntil: Date;
  recoveries?: number;
}

/** The relays' writers on MongoDB: a document per writer in `outbox_writers` of the service's database. */
export function mongoOutboxWriters(db: Db, name = 'outbox_writers'): OutboxWriters {
  const c = db.collection<WriterDoc>(name);
  return {
    async beat(writer, watermark, aliveMs) {
      await c.updateOne(
        { _id: writer },
        {
          $set: { watermark: new Date(watermark), aliveUntil: new Date(Date.now() + aliveMs) },
          $unset: { recoveries: '' },
        },
        { upsert: true },
      );
    },
    async dead(now) {
      const docs = await c.find({ aliveUntil: { $lt: new Date(now) } }).toArray();
      return docs.map((d) => ({
        writer: d._id,
        watermark: d.watermark.getTime(),
        aliveUntil: d.aliveUntil.getTime(),
        recoveries: d.recoveries ?? 0,
      }));
    },
    async claim(seen, until) {
      const { modifiedCount } = await c.updateOne(
        { _id: seen.writer, aliveUntil: new Date(seen.aliveUntil), watermark: new Date(seen.watermark) },
        { $set: { aliveUntil: new Date(until) } },
      );
      return modifiedCount === 1;
    },
    async recovered(writer, watermark, until) {
      await c.updateOne(
        { _id: writer },
        { $max: { watermark: new Date(watermark) }, $set: { aliveUntil: new Date(until) }, $inc: { recoveries: 1 } },
      );
    },
    async remove(writer) {
      await c.deleteOne({ _id: writer });
    },
  };
}

/**
 * A collection whose documents are written together with their events. The only way in is
 * `insertWithEvents`: the events are stored in the same insert, stamped, and published right after
 * it by the relay, so no event is ever written that is not relayed. `findOne` and `find` read
 * without the outbox fields (the events stay in the document, for the relay, not for readers).
 */
export class MongoEventCollection<T extends { _id: string }> {
  readonly collection: Collection<T & OutboxFields>;
  readonly #sink: EventSink;

  /** `sinkFor` registers the collection's outbox with the relay and answers where writes report. */
  constructor(collection: Collection<T>, sinkFor: (collection: Collection<T & OutboxFields>) => EventSink) {
    this.collection = collection as unknown as Collection<T & OutboxFields>;
    this.#sink = sinkFor(this.collection);
  }

  /** The index the poller finds documents written before watermarks by (see OutboxStore.claimDue). */
  async init(): Promise<void> {
    await createOutboxIndex(this.collection);
  }

  findOne(filter: Filter<T & OutboxFields>): Promise<T | null> {
    return this.collection.findOne(filter, { projection: WITHOUT_OUTBOX }) as Promise<T | null>;
  }

  find(filter: Filter<T & OutboxFields>): FindCursor<T> {
    return this.collection.find(filter, { projection: WITHOUT_OUTBOX }) as unknown as FindCursor<T>;
  }

  /** Inserts `doc` with `events`; `exists` (and nothing written) when its _id is taken. */
  async insertWithEvents(doc: T, events: DomainEvent[]): Promise<'inserted' | 'exists'> {
    this.#sink.check(events);
    const stamp = this.#sink.begin();
    try {
      await this.collection.insertOne({ ...doc, ...stampedOutbox(events, stamp) } as OptionalUnlessRequiredId<
        T & OutboxFields
      >);
    } catch (err) {
      // A duplicate key too: it may be this very insert, retried by the driver after it went through.
      this.#sink.failed(stamp, doc._id);
      if (isDuplicateKey(err)) return 'exists';
      throw err;
    }
    this.#sink.written(stamp, doc._id, events);
    return 'inserted';
  }
}

/** Leaves the outbox fields out of what a read returns. */
const WITHOUT_OUTBOX = { outbox: 0, outboxWriter: 0, outboxAt: 0, outboxDueAt: 0 } as const;
