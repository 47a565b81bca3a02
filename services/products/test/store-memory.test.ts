import { MemoryCatalog, MemoryReservations, MemoryStockLedger } from '../src/store-memory.ts';
import { catalogContract, reservationContract, stockLedgerContract } from './store.contract.ts';

catalogContract('in-memory', async () => new MemoryCatalog());
stockLedgerContract('in-memory', async () => new MemoryStockLedger());
reservationContract('in-memory', async () => ({
  ledger: new MemoryStockLedger(),
  reservations: new MemoryReservations(),
}));
