import { testDatabase } from '../../../test/helpers.ts';
import { MongoCustomerStore, MongoOrderHistory } from '../src/store-mongo.ts';
import { customerStoreContract, orderHistoryContract } from './store.contract.ts';

const db = testDatabase('customer');

customerStoreContract('MongoDB', async () => {
  const store = new MongoCustomerStore(db);
  await store.init();
  return store;
});
orderHistoryContract('MongoDB', async () => {
  const history = new MongoOrderHistory(db);
  await history.init();
  return history;
});
