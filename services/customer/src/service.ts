import { baseConfigSchema } from '@platform/shared/config';
import type { ServiceDefinition } from '@platform/shared/runtime';
import { createCustomerApp } from './app.ts';
import { orderHistoryHandler } from './history.ts';
import { MemoryCustomerStore, MemoryOrderHistory } from './store-memory.ts';
import { MongoCustomerStore, MongoOrderHistory } from './store-mongo.ts';

export const customerService: ServiceDefinition<ReturnType<typeof baseConfigSchema.parse>> = {
  name: 'customer',
  configSchema: baseConfigSchema,
  async build({ config, logger, tokens, db, readiness, http }) {
    const store = db ? new MongoCustomerStore(db) : new MemoryCustomerStore();
    const history = db ? new MongoOrderHistory(db) : new MemoryOrderHistory();
    await store.init();
    await history.init();
    const app = createCustomerApp({
      store,
      history,
      tokens,
      logger,
      readiness,
      adminEmails: config.ADMIN_EMAILS,
      http,
    });
    return { app, handler: orderHistoryHandler(history) };
  },
};
