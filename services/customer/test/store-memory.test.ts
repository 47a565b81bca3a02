import { MemoryCustomerStore, MemoryOrderHistory } from '../src/store-memory.ts';
import { customerStoreContract, orderHistoryContract } from './store.contract.ts';

customerStoreContract('in-memory', async () => new MemoryCustomerStore());
orderHistoryContract('in-memory', async () => new MemoryOrderHistory());
