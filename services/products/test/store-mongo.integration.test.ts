import { uuidv7 } from '@platform/shared/ids';
import { testStoreKit } from '@platform/shared/testing';
import { describe, expect, it } from 'vitest';
import { testDatabase } from '../../../test/helpers.ts';
import { newCatalogProduct, patchedCatalogProduct, READ_STALENESS_MS } from '../src/domain.ts';
import { StockKeeper } from '../src/stock-keeper.ts';
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

describe('two replicas, each with what it remembers of the database', () => {
  it(`a product page shows a change made through another replica within ${READ_STALENESS_MS} ms`, async () => {
    const [a, b] = [new MongoCatalog(db, testStoreKit().kit), new MongoCatalog(db, testStoreKit().kit)];
    const v1 = newCatalogProduct(uuidv7(), { name: 'Tea', category: 'drinks', unit: 'box', priceCents: 450 }, 'now');
    await a.insertVersion(v1, []);
    await a.project(v1);
    expect((await b.get(v1.id, READ_STALENESS_MS))?.priceCents).toBe(450);
    const v2 = patchedCatalogProduct(v1, { priceCents: 500 }, 'later');
    await a.insertVersion(v2, []);
    await a.project(v2);
    expect((await a.get(v1.id, READ_STALENESS_MS))?.priceCents).toBe(500); // its own change, at once
    expect(a.peek(v1.id, READ_STALENESS_MS)?.priceCents).toBe(500);
    expect(b.peek(v1.id, READ_STALENESS_MS)?.priceCents).toBe(450); // within the bound, as its get
    await new Promise((r) => setTimeout(r, READ_STALENESS_MS + 50));
    expect(b.peek(v1.id, READ_STALENESS_MS)).toBeUndefined(); // past it, a page reads again (the fast lane too)
    expect((await b.get(v1.id, READ_STALENESS_MS))?.priceCents).toBe(500);
    expect((await b.get(v1.id))?.version).toBe(2); // a write's read is never served from memory
  });

  it('reservations on two replicas with stale memories of the ledger never oversell', async () => {
    const replicas = [new MongoStockLedger(db), new MongoStockLedger(db)].map((l) => new StockKeeper(l));
    const productId = uuidv7();
    await replicas[0]?.initial(productId, 6);
    // both remember the product's first move, then race: every insert from a stale memory loses
    await Promise.all(replicas.map((r) => r.current(productId)));
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        (replicas[i % 2] as StockKeeper).move(productId, `order-${i}:reserve`, (s) =>
          s >= 1 ? s - 1 : 'insufficient',
        ),
      ),
    );
    expect(results.filter((r) => r === 'applied')).toHaveLength(6);
    expect(results.filter((r) => r === 'insufficient')).toHaveLength(10);
    expect(await new StockKeeper(new MongoStockLedger(db)).current(productId)).toBe(0);
  });
});
