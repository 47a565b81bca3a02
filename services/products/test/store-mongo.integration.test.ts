import { testStoreKit } from '@platform/shared/testing';
import { testDatabase } from '../../../test/helpers.ts';
import { MongoCatalog, MongoReservations, MongoStockLedger } from '../src/store-mongo.ts';
import { catalogContract, reservationContract, stockLedgerContract } from './store.contract.ts';

const db = testDatabase('products');

/** Stores as the kit builds them: their collections' indexes made, their events recorded. */
async function built<T extends object>(make: (kit: ReturnType<typeof testStoreKit>['kit']) => T) {
  const { kit, ready, written } = testStoreKit();
  const stores = make(kit);
  await ready(stores);
  return { ...stores, written };
}

catalogContract('MongoDB', async () => {
  const { catalog, written } = await built((kit) => ({ catalog: new MongoCatalog(db, kit) }));
  return { store: catalog, written };
});
stockLedgerContract('MongoDB', async () => (await built(() => ({ ledger: new MongoStockLedger(db) }))).ledger);
reservationContract('MongoDB', () =>
  built((kit) => ({ ledger: new MongoStockLedger(db), reservations: new MongoReservations(db, kit) })),
);
