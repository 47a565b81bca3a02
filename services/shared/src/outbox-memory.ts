import type { DomainEvent } from './events.ts';
import { OUTBOX_GRACE_MS, type OutboxEntry, type OutboxStore } from './outbox.ts';

export interface MemoryOutboxRecord {
  outbox: DomainEvent[];
  outboxDueAt?: number | undefined;
}

/** Appends events to a record's outbox, as `pushOutbox` does on MongoDB. */
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
  };
}
