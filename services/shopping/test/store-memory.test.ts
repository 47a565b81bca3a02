import { MemoryCarts, MemoryCatalogProjection, MemoryOrders } from '../src/store-memory.ts';
import { cartsContract, catalogProjectionContract, ordersContract } from './store.contract.ts';

catalogProjectionContract('in-memory', async () => new MemoryCatalogProjection());
cartsContract('in-memory', async () => new MemoryCarts());
ordersContract('in-memory', async () => new MemoryOrders());
