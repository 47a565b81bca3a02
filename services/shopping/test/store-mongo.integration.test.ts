import { testDatabase } from '../../../test/helpers.ts';
import { MongoCarts, MongoCatalogProjection, MongoOrders } from '../src/store-mongo.ts';
import { cartsContract, catalogProjectionContract, ordersContract } from './store.contract.ts';

const db = testDatabase('shopping');
const ready = async <T extends { init(): Promise<void> }>(store: T) => {
  await store.init();
  return store;
};

catalogProjectionContract('MongoDB', () => ready(new MongoCatalogProjection(db)));
cartsContract('MongoDB', () => ready(new MongoCarts(db)));
ordersContract('MongoDB', () => ready(new MongoOrders(db)));
