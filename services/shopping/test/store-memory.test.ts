import { testStoreKit } from '@platform/shared/testing';
import { MemoryCarts, MemoryCatalogProjection, MemoryOrders } from '../src/store-memory.ts';
import { cartsContract, catalogProjectionContract, ordersContract } from './store.contract.ts';

catalogProjectionContract('in-memory', async () => new MemoryCatalogProjection());
cartsContract('in-memory', async () => new MemoryCarts());
ordersContract('in-memory', async () => {
  const { kit, written } = testStoreKit();
  return { orders: new MemoryOrders(kit), written };
});
