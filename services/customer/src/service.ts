import { baseConfigSchema, csvList } from '@platform/shared/config';
import type { ServiceDefinition } from '@platform/shared/runtime';
import { createCustomerApp } from './app.ts';
import { orderHistoryHandler } from './history.ts';
import { MemoryCustomerStore, MemoryOrderHistory } from './store-memory.ts';
import { MongoCustomerStore, MongoOrderHistory } from './store-mongo.ts';

export const customerConfigSchema = baseConfigSchema.extend({
  /** Emails that get role admin at sign-up and login, comma-separated. */
  ADMIN_EMAILS: csvList,
});

export const customerService: ServiceDefinition<ReturnType<typeof customerConfigSchema.parse>> = {
  name: 'customer',
  configSchema: customerConfigSchema,
  async build({ config, logger, tokens, db, readiness }) {
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
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      maxInFlight: config.MAX_IN_FLIGHT,
    });
    return { app, handler: orderHistoryHandler(history) };
  },
};
