import { baseConfigSchema } from '@platform/shared/config';
import type { ServiceDefinition } from '@platform/shared/runtime';
import { createProductsApp } from './app.ts';
import { StockKeeper, stockReservationHandler } from './stock.ts';
import { MemoryCatalog, MemoryReservations, MemoryStockLedger } from './store-memory.ts';
import { MongoCatalog, MongoReservations, MongoStockLedger } from './store-mongo.ts';

export const productsService: ServiceDefinition<ReturnType<typeof baseConfigSchema.parse>> = {
  name: 'products',
  configSchema: baseConfigSchema,
  async build({ logger, tokens, db, relay, readiness, http }) {
    const catalog = db ? new MongoCatalog(db) : new MemoryCatalog();
    const ledger = db ? new MongoStockLedger(db) : new MemoryStockLedger();
    const reservations = db ? new MongoReservations(db) : new MemoryReservations();
    await Promise.all([catalog.init(), ledger.init(), reservations.init()]);
    relay.register(catalog.outbox);
    relay.register(reservations.outbox);
    const stock = new StockKeeper(ledger);
    const app = createProductsApp({
      catalog,
      stock,
      relay,
      tokens,
      logger,
      readiness,
      http,
    });
    return { app, handler: stockReservationHandler(stock, reservations, relay) };
  },
};
