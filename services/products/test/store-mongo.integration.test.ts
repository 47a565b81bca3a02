import { testDatabase } from '../../../test/helpers.ts';
import { MongoCatalog, MongoReservations, MongoStockLedger } from '../src/store-mongo.ts';
import { catalogContract, reservationContract, stockLedgerContract } from './store.contract.ts';

const db = testDatabase('products');
const ready = async <T extends { init(): Promise<void> }>(store: T) => {
  await store.init();
  return store;
};

catalogContract('MongoDB', () => ready(new MongoCatalog(db)));
stockLedgerContract('MongoDB', () => ready(new MongoStockLedger(db)));
reservationContract('MongoDB', async () => ({
  ledger: await ready(new MongoStockLedger(db)),
  reservations: await ready(new MongoReservations(db)),
}));
