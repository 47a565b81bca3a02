import type { DomainEvent } from './events.ts';
import {
  addPending,
  type EventSink,
  OUTBOX_GRACE_MS,
  type OutboxEntry,
  type OutboxStore,
  type PendingEvents,
} from './outbox.ts';

export interface MemoryOutboxRecord {
  outbox: DomainEvent[];
  outboxDueAt?: number | undefined;
}

/** Puts events into a record's outbox, as an insert with its events does on MongoDB. */
export function appendOutbox(record: MemoryOutboxRecord, events: DomainEvent[], now = Date.now()): void {
  record.outbox.push(...events);
  record.outboxDueAt = now + OUTBOX_GRACE_MS;
}

/** The outbox over records kept in a Map, for the embedded stores. */
export function memoryOutboxStore(name: string, records: Map<string, MemoryOutboxRecord>): OutboxStore {
  return {
    name,
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
      for (const record of records.values()) if (record.outbox.length > 0) summary = addPending(summary, record.outbox);
      return summary;
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
    const row: Row<R> = { value: structuredClone(value), outbox: [] };
    appendOutbox(row, events);
    this.#rows.set(key, row);
    this.#sink.written(key, events);
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
