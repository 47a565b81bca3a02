import { testStoreKit } from '@platform/shared/testing';
import { MemoryCatalog, MemoryReservations, MemoryStockLedger } from '../src/store-memory.ts';
import { catalogContract, reservationContract, stockLedgerContract } from './store.contract.ts';

catalogContract('in-memory', async () => {
  const { kit, written } = testStoreKit();
  return { store: new MemoryCatalog(kit), written };
});
stockLedgerContract('in-memory', async () => new MemoryStockLedger());
reservationContract('in-memory', async () => {
  const { kit, written } = testStoreKit();
  return { ledger: new MemoryStockLedger(), reservations: new MemoryReservations(kit), written };
});
