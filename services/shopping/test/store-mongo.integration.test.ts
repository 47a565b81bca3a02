import { uuidv7 } from '@platform/shared/ids';
import { testStoreKit } from '@platform/shared/testing';
import { describe, expect, it } from 'vitest';
import { testDatabase } from '../../../test/helpers.ts';
import { CATALOG_RECHECK_MS, MongoCarts, MongoCatalogProjection, MongoOrders } from '../src/store-mongo.ts';
import { cartsContract, catalogProjectionContract, ordersContract } from './store.contract.ts';

const db = testDatabase('shopping');
const ready = async <T extends { init(): Promise<void> }>(store: T) => {
  await store.init();
  return store;
};

catalogProjectionContract('MongoDB', () => ready(new MongoCatalogProjection(db)));
cartsContract('MongoDB', () => ready(new MongoCarts(db)));
ordersContract('MongoDB', async () => {
  const { kit, ready: kitReady, written } = testStoreKit();
  const orders = new MongoOrders(db, kit);
  await kitReady({ orders });
  return { orders, written };
});

describe('MongoCatalogProjection across replicas', () => {
  it(`sees a version another replica recorded within ${CATALOG_RECHECK_MS} ms`, async () => {
    const [a, b] = [new MongoCatalogProjection(db), new MongoCatalogProjection(db)];
    await Promise.all([a.init(), b.init()]);
    const productId = uuidv7();
    const version = (v: number) => ({
      productId,
      name: `v${v}`,
      description: '',
      category: 'c',
      unit: 'u',
      priceCents: 100 * v,
      supplier: null,
      version: v,
      updatedAt: new Date().toISOString(),
    });
    expect(await a.record(version(1))).toBe('applied');
    expect((await b.latest(productId))?.version).toBe(1);
    expect(await a.record(version(2))).toBe('applied');
    expect((await a.latest(productId))?.version).toBe(2); // its own, at once
    await new Promise((r) => setTimeout(r, CATALOG_RECHECK_MS + 50));
    expect((await b.latest(productId))?.priceCents).toBe(200);
    expect(await b.record(version(2))).toBe('stale');
  });
});
