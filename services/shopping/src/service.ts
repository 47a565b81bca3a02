import { AdmissionControl } from '@platform/shared/admission';
import { int } from '@platform/shared/config';
import { defineService, extendConfig } from '@platform/shared/service';
import type { ShoppingDeps, ShoppingStores } from './ports.ts';
import { shoppingRoutes } from './routes.ts';
import { settleOrder } from './settle-order.ts';
import { MemoryCarts, MemoryCatalogProjection, MemoryOrders } from './store-memory.ts';
import { MongoCarts, MongoCatalogProjection, MongoOrders } from './store-mongo.ts';

const config = extendConfig({
  /**
   * How long an order may take from POST /orders to its final status before new orders are
   * refused (503 + Retry-After) rather than queued: the admission control's target (p90).
   */
  ORDER_LAG_TARGET_MS: int(50, 60_000, 400),
});

export default defineService<ReturnType<typeof config.parse>, ShoppingStores, ShoppingDeps>({
  name: 'shopping',
  description:
    'Cart and orders. Keeps a catalog projection from product.changed; POST /orders publishes order.placed, and stock.reserved / stock.rejected settle the order as CONFIRMED / REJECTED (order.confirmed / order.rejected).',
  config,
  publishes: ['order.placed', 'order.confirmed', 'order.rejected'],
  stores: {
    memory: (kit) => ({
      catalog: new MemoryCatalogProjection(),
      carts: new MemoryCarts(),
      orders: new MemoryOrders(kit),
    }),
    mongo: (db, kit) => ({
      catalog: new MongoCatalogProjection(db),
      carts: new MongoCarts(db),
      orders: new MongoOrders(db, kit),
    }),
  },
  deploy: { priority: 30 },
  deps: ({ config, backlog }) => ({
    admission: new AdmissionControl({ targetLagMs: config.ORDER_LAG_TARGET_MS, backlog: () => backlog() }),
  }),
  routes: shoppingRoutes,
  subscriptions: {
    'product.changed': async (event, { stores }) => {
      await stores.catalog.record(event.data);
    },
    'stock.reserved': async (event, { stores, deps }) => {
      const { placedAt } = await settleOrder(stores, event.data, 'CONFIRMED');
      if (placedAt) deps.admission.observe(Date.now() - Date.parse(placedAt));
    },
    'stock.rejected': async (event, { stores, deps }) => {
      const { placedAt } = await settleOrder(stores, event.data, 'REJECTED', event.data.reason);
      if (placedAt) deps.admission.observe(Date.now() - Date.parse(placedAt));
    },
  },
});
