import type { BaseConfig } from '@platform/shared/config';
import { defineService } from '@platform/shared/service';
import { LoginGuard } from './login-guard.ts';
import { PasswordHasher } from './passwords.ts';
import type { CustomerDeps, CustomerStores } from './ports.ts';
import { recordConfirmed, recordPlaced, recordRejected } from './record-order-history.ts';
import { customerRoutes } from './routes.ts';
import { MemoryCustomerStore, MemoryOrderHistory } from './store-memory.ts';
import { MongoCustomerStore, MongoOrderHistory } from './store-mongo.ts';

export default defineService<BaseConfig, CustomerStores, CustomerDeps>({
  name: 'customer',
  description: 'Accounts, tokens, addresses, wishlist and the order history kept from order events.',
  publishes: [],
  stores: {
    memory: () => ({ customers: new MemoryCustomerStore(), history: new MemoryOrderHistory() }),
    mongo: (db) => ({ customers: new MongoCustomerStore(db), history: new MongoOrderHistory(db) }),
  },
  deps: () => ({ hasher: new PasswordHasher(), guard: new LoginGuard() }),
  deploy: { priority: 10 },
  routes: customerRoutes,
  subscriptions: {
    'order.placed': (event, { stores }) => recordPlaced(stores.history, event),
    'order.confirmed': (event, { stores }) => recordConfirmed(stores.history, event),
    'order.rejected': (event, { stores }) => recordRejected(stores.history, event),
  },
});
