import type { DomainEvent } from './events.ts';
import {
  addPending,
  type EventSink,
  OUTBOX_GRACE_MS,
  type OutboxEntry,
  type OutboxStamp,
  type OutboxStore,
  type OutboxWriters,
  type PendingEvents,
  type WriterState,
} from './outbox.ts';

export interface MemoryOutboxRecord {
  outbox: DomainEvent[];
  stamp?: OutboxStamp | undefined;
  /** Records as written before watermarks (see OutboxStore.claimDue): pending until marked as sent. */
  outboxDueAt?: number | undefined;
}

/** Puts events into a record's outbox as the code before watermarks did. */
export function appendDueOutbox(record: MemoryOutboxRecord, events: DomainEvent[], now = Date.now()): void {
  record.outbox.push(...events);
  record.outboxDueAt = now + OUTBOX_GRACE_MS;
}

/** The outbox over records kept in a Map, for the embedded stores. */
export function memoryOutboxStore(name: string, records: Map<string, MemoryOutboxRecord>): OutboxStore {
  return {
    name,
    async *writtenAfter(writer, after) {
      const found = [...records].filter(([, r]) => r.stamp?.writer === writer && r.stamp.at > after);
      found.sort(([ka, a], [kb, b]) => (a.stamp?.at ?? 0) - (b.stamp?.at ?? 0) || (ka < kb ? -1 : 1));
      for (const [key, r] of found) yield { key, events: structuredClone(r.outbox), at: r.stamp?.at ?? 0 };
    },
    async stamped(key) {
      const record = records.get(key);
      return record?.stamp ? { key, events: structuredClone(record.outbox), stamp: { ...record.stamp } } : undefined;
    },
    async claimDue(limit, leaseMs) {
      const now = Date.now();
      const due = [...records].filter(([, r]) => r.outboxDueAt !== undefined && r.outboxDueAt <= now);
      due.sort(([, a], [, b]) => (a.outboxDueAt ?? 0) - (b.outboxDueAt ?? 0));
      const entries: OutboxEntry[] = [];
      for (const [key, record] of due.slice(0, limit)) {
        if (record.outbox.length === 0) {
          record.outboxDueAt = undefined;
          continue;
        }
        record.outboxDueAt = now + leaseMs;
        entries.push({ key, events: structuredClone(record.outbox) });
      }
      return entries;
    },
    async markSent(key, events, all) {
      const record = records.get(key);
      if (!record) return;
      const sent = new Set(events.map((e) => e.id));
      record.outbox = all ? [] : record.outbox.filter((e) => !sent.has(e.id));
      if (all) record.outboxDueAt = undefined;
    },
    async pending() {
      let summary: PendingEvents = { events: 0, oldestAt: undefined };
      for (const record of records.values()) {
        if (record.outboxDueAt !== undefined && record.outbox.length > 0) summary = addPending(summary, record.outbox);
      }
      return summary;
    },
  };
}

/** The writers' records in memory: for the embedded stores and tests. */
export function memoryOutboxWriters(): OutboxWriters & { states: Map<string, WriterState> } {
  const states = new Map<string, WriterState>();
  return {
    states,
    async beat(writer, watermark, aliveMs) {
      states.set(writer, { writer, watermark, aliveUntil: Date.now() + aliveMs, recoveries: 0 });
    },
    async dead(now) {
      return [...states.values()].filter((s) => s.aliveUntil < now).map((s) => ({ ...s }));
    },
    async claim(seen, until) {
      const state = states.get(seen.writer);
      if (state?.aliveUntil !== seen.aliveUntil || state.watermark !== seen.watermark) return false;
      state.aliveUntil = until;
      return true;
    },
    async recovered(writer, watermark, until) {
      const state = states.get(writer);
      if (!state) return;
      state.watermark = Math.max(state.watermark, watermark);
      state.aliveUntil = until;
      state.recoveries += 1;
    },
    async remove(writer) {
      states.delete(writer);
    },
  };
}

type Row<R> = MemoryOutboxRecord & { value: R };

/**
 * The embedded counterpart of MongoEventCollection: values by key, each written together with
 * the events it announces (`insertWithEvents`), which the relay publishes right after. A key is
 * written once; values come back as copies, as they would from a database.
 */
export class MemoryEventTable<R> {
  readonly #rows: Map<string, Row<R>>;
  readonly #sink: EventSink;

  constructor(rows: Map<string, Row<R>>, sink: EventSink) {
    this.#rows = rows;
    this.#sink = sink;
  }

  /** A table over a fresh Map, and the outbox store the relay polls it through. */
  static create<R>(name: string, sinkFor: (store: OutboxStore) => EventSink): MemoryEventTable<R> {
    const rows = new Map<string, Row<R>>();
    return new MemoryEventTable(rows, sinkFor(memoryOutboxStore(name, rows)));
  }

  insertWithEvents(key: string, value: R, events: DomainEvent[]): 'inserted' | 'exists' {
    this.#sink.check(events);
    if (this.#rows.has(key)) return 'exists';
    const stamp = this.#sink.begin();
    this.#rows.set(key, { value: structuredClone(value), outbox: [...events], stamp });
    this.#sink.written(stamp, key, events);
    return 'inserted';
  }

  get(key: string): R | undefined {
    const row = this.#rows.get(key);
    return row ? structuredClone(row.value) : undefined;
  }

  /** Every value, as stored (not copied): for reads that filter and copy what they keep. */
  *values(): IterableIterator<R> {
    for (const row of this.#rows.values()) yield row.value;
  }
}
