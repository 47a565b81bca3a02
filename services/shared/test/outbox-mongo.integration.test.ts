import { describe, expect, it } from 'vitest';
import { testDatabase } from '../../../test/helpers.ts';
import type { DomainEvent } from '../src/events.ts';
import { createOutboxIndex, mongoOutboxStore, type OutboxFields, withOutbox } from '../src/mongo.ts';
import { outboxStoreContract } from './outbox.contract.ts';

type Doc = OutboxFields & { _id: string };
const db = testDatabase('outbox');

outboxStoreContract('MongoDB', async () => {
  const collection = db.collection<Doc>(`things_${Math.random().toString(36).slice(2)}`);
  await createOutboxIndex(collection);
  return {
    store: mongoOutboxStore('things', collection),
    insert: async (key: string, events: DomainEvent[], now: number) => {
      await collection.insertOne({ _id: key, ...withOutbox(events, now) });
    },
    pending: async (key: string) => ((await collection.findOne({ _id: key }))?.outbox ?? []).map((e) => e.id),
  };
});

describe('MongoDB outbox', () => {
  it('clears a fully sent outbox and its due time in one write', async () => {
    const collection = db.collection<Doc>('single_write');
    const store = mongoOutboxStore('x', collection);
    const { testEvent } = await import('./outbox.contract.ts');
    const events = [testEvent(), testEvent()];
    await collection.insertOne({ _id: 'k', ...withOutbox(events) });
    await store.markSent('k', events, true);
    const doc = await collection.findOne({ _id: 'k' });
    expect(doc?.outbox).toEqual([]);
    expect(doc && 'outboxDueAt' in doc).toBe(false);
  });
});
