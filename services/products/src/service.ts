import type { BaseConfig } from '@platform/shared/config';
import { defineService } from '@platform/shared/service';
import type { ProductStores } from './ports.ts';
import { reserveStock } from './reserve-stock.ts';
import { productRoutes } from './routes.ts';
import { StockKeeper } from './stock-keeper.ts';
import { MemoryCatalog, MemoryReservations, MemoryStockLedger } from './store-memory.ts';
import { MongoCatalog, MongoReservations, MongoStockLedger } from './store-mongo.ts';

export default defineService<BaseConfig, ProductStores>({
  name: 'products',
  description: 'Catalog and stock. Publishes product.changed; reserves stock for order.placed.',
  publishes: ['product.changed', 'stock.reserved', 'stock.rejected'],
  stores: {
    memory: (kit) => ({
      catalog: new MemoryCatalog(kit),
      stock: new StockKeeper(new MemoryStockLedger()),
      reservations: new MemoryReservations(kit),
    }),
    mongo: (db, kit) => ({
      catalog: new MongoCatalog(db, kit),
      stock: new StockKeeper(new MongoStockLedger(db)),
      reservations: new MongoReservations(db, kit),
    }),
  },
  deploy: { priority: 20 },
  routes: productRoutes,
  subscriptions: {
    'order.placed': async (event, { stores }) => {
      await reserveStock(stores.stock, stores.reservations, event.data);
    },
  },
});
