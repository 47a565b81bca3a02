import { AdmissionControl } from '@platform/shared/admission';
import { type BaseConfig, int } from '@platform/shared/config';
import { defineService, extendConfig, type ServiceContext } from '@platform/shared/service';
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

/** An order's end: the admission control learns how long it took, the metrics count it. */
function settled(
  { deps, metrics }: Pick<ServiceContext<BaseConfig, ShoppingStores, ShoppingDeps>, 'deps' | 'metrics'>,
  counter: 'OrdersConfirmed' | 'OrdersRejected',
  { placedAt, decided }: { placedAt?: string | undefined; decided: boolean },
) {
  const tookMs = placedAt ? Date.now() - Date.parse(placedAt) : undefined;
  if (tookMs !== undefined) deps.admission.observe(tookMs);
  if (!decided) return;
  metrics.count(counter);
  if (tookMs !== undefined) metrics.observe('OrderSettleSeconds', tookMs / 1000);
}

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
    'stock.reserved': async (event, ctx) => {
      settled(ctx, 'OrdersConfirmed', await settleOrder(ctx.stores, event.data, 'CONFIRMED'));
    },
    'stock.rejected': async (event, ctx) => {
      settled(ctx, 'OrdersRejected', await settleOrder(ctx.stores, event.data, 'REJECTED', event.data.reason));
    },
  },
});
