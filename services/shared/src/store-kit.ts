import type { BaseConfig } from './config.ts';
import type { Logger } from './log.ts';
import type { EventSink, OutboxStore } from './outbox.ts';
import { MemoryEventTable } from './outbox-memory.ts';
import { MongoEventCollection, mongoOutboxStore } from './outbox-mongo.ts';
import type { StoreKit } from './service.ts';

/**
 * The StoreKit a manifest's store factory gets. Every collection or table it asks for is written
 * with events only (`insertWithEvents`), and its outbox is handed to `sinkFor`: the relay, which
 * registers it (the poller finds what a crash left) and publishes each write's events at once.
 * `ready` then creates the collections' outbox indexes and runs each store's own `init`.
 */
export function createStoreKit<C extends BaseConfig>(
  config: C,
  logger: Logger,
  sinkFor: (store: OutboxStore) => EventSink,
): { kit: StoreKit<C>; ready(stores: unknown): Promise<void> } {
  const collections: Array<{ init(): Promise<void> }> = [];
  const kit: StoreKit<C> = {
    config,
    logger,
    outbox: {
      mongo: (collection) => {
        const events = new MongoEventCollection(collection, (c) => sinkFor(mongoOutboxStore(c.collectionName, c)));
        collections.push(events);
        return events;
      },
      memory: (table) => MemoryEventTable.create(table, sinkFor),
    },
  };
  return {
    kit,
    async ready(stores) {
      await Promise.all(collections.map((c) => c.init()));
      const inits = Object.values(stores as object).filter(
        (s): s is { init(): Promise<void> } => typeof (s as { init?: unknown } | null)?.init === 'function',
      );
      await Promise.all(inits.map((s) => s.init()));
    },
  };
}
