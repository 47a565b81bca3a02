import { baseConfigSchema } from '@platform/shared/config';
import type { ServiceDefinition } from '@platform/shared/runtime';
import { createShoppingApp } from './app.ts';
import { shoppingHandler } from './saga.ts';
import { MemoryCarts, MemoryCatalogProjection, MemoryOrders } from './store-memory.ts';
import { MongoCarts, MongoCatalogProjection, MongoOrders } from './store-mongo.ts';

export const shoppingService: ServiceDefinition<ReturnType<typeof baseConfigSchema.parse>> = {
  name: 'shopping',
  configSchema: baseConfigSchema,
  async build({ logger, tokens, db, relay, readiness, http }) {
    const catalog = db ? new MongoCatalogProjection(db) : new MemoryCatalogProjection();
    const carts = db ? new MongoCarts(db) : new MemoryCarts();
    const orders = db ? new MongoOrders(db) : new MemoryOrders();
    await Promise.all([catalog.init(), carts.init(), orders.init()]);
    relay.register(orders.placedOutbox);
    relay.register(orders.outcomeOutbox);
    const app = createShoppingApp({
      catalog,
      carts,
      orders,
      relay,
      tokens,
      logger,
      readiness,
      http,
    });
    return { app, handler: shoppingHandler(catalog, carts, orders, relay) };
  },
};
