import type { BaseConfig } from '@platform/shared/config';
import { defineService } from '@platform/shared/service';
import type { ShoppingStores } from './ports.ts';
import { shoppingRoutes } from './routes.ts';
import { settleOrder } from './settle-order.ts';
import { MemoryCarts, MemoryCatalogProjection, MemoryOrders } from './store-memory.ts';
import { MongoCarts, MongoCatalogProjection, MongoOrders } from './store-mongo.ts';

export default defineService<BaseConfig, ShoppingStores>({
  name: 'shopping',
  description:
    'Cart and orders. Keeps a catalog projection from product.changed; POST /orders publishes order.placed, and stock.reserved / stock.rejected settle the order as CONFIRMED / REJECTED (order.confirmed / order.rejected).',
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
  routes: shoppingRoutes,
  subscriptions: {
    'product.changed': async (event, { stores }) => {
      await stores.catalog.record(event.data);
    },
    'stock.reserved': (event, { stores }) => settleOrder(stores, event.data.orderId, 'CONFIRMED'),
    'stock.rejected': (event, { stores }) => settleOrder(stores, event.data.orderId, 'REJECTED', event.data.reason),
  },
});
