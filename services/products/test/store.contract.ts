import type { DomainEvent, EventData } from '@platform/shared/events';
import { uuidv7 } from '@platform/shared/ids';
import { describe, expect, it } from 'vitest';
import { newCatalogProduct, patchedCatalogProduct, productChanged } from '../src/domain.ts';
import type { Catalog, Reservations, StockLedger } from '../src/ports.ts';
import { reserveStock } from '../src/reserve-stock.ts';
import { StockKeeper } from '../src/stock-keeper.ts';

const now = () => new Date().toISOString();
const product = (category = 'fruit') =>
  newCatalogProduct(uuidv7(), { name: 'Apple', category, unit: 'kg', priceCents: 250 }, now());

/** A store as the kit builds it, with the events its writes handed to the kit. */
export interface WithEvents<T> {
  store: T;
  written: DomainEvent[];
}

/** The behaviour every Catalog adapter must have. */
export function catalogContract(name: string, make: () => Promise<WithEvents<Catalog>>) {
  describe(`Catalog contract: ${name}`, () => {
    it('claims each version once and keeps the newest projection', async () => {
      const { store: catalog } = await make();
      const v1 = product();
      expect(await catalog.insertVersion(v1, [productChanged(v1)])).toBe('ok');
      expect(await catalog.insertVersion(v1, [productChanged(v1)])).toBe('conflict');
      await catalog.project(v1);
      const v2 = patchedCatalogProduct(v1, { priceCents: 300 }, now());
      expect(await catalog.insertVersion(v2, [productChanged(v2)])).toBe('ok');
      await catalog.project(v2);
      await catalog.project(v1); // late, older: ignored
      expect(await catalog.get(v1.id)).toEqual(v2);
      expect(await catalog.get(uuidv7())).toBeNull();
    });

    it('lets exactly one of many concurrent writers claim a version', async () => {
      const { store: catalog } = await make();
      const v1 = product();
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => {
          const v = { ...v1, name: `Apple ${i}` };
          return catalog.insertVersion(v, [productChanged(v)]);
        }),
      );
      expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    });

    it('lists by id with a category filter and an after-cursor; gets many', async () => {
      const { store: catalog } = await make();
      const category = `cat-${uuidv7().slice(-8)}`;
      const products = [product(category), product(category), product(category), product('other')];
      for (const p of products) {
        await catalog.insertVersion(p, []);
        await catalog.project(p);
      }
      const ids = products.slice(0, 3).map((p) => p.id);
      expect((await catalog.list({ category, limit: 10 })).map((p) => p.id)).toEqual(ids);
      expect((await catalog.list({ category, limit: 2 })).map((p) => p.id)).toEqual(ids.slice(0, 2));
      expect((await catalog.list({ category, after: ids[1], limit: 10 })).map((p) => p.id)).toEqual(ids.slice(2));
      const many = await catalog.getMany([ids[2] as string, uuidv7(), ids[0] as string]);
      expect(many.map((p) => p.id).sort()).toEqual([ids[0], ids[2]].sort());
    });

    it('peeks at what get would answer within the same age, never reading and never more', async () => {
      const { store: catalog } = await make();
      const HOUR = 3_600_000;
      const v1 = product();
      expect(catalog.peek(v1.id, HOUR)).toBeUndefined(); // never seen here
      await catalog.insertVersion(v1, [productChanged(v1)]);
      await catalog.project(v1);
      expect(catalog.peek(v1.id, HOUR)).toEqual(v1); // this replica's own write, at once
      const v2 = patchedCatalogProduct(v1, { priceCents: 300 }, now());
      await catalog.insertVersion(v2, [productChanged(v2)]);
      await catalog.project(v2);
      expect(catalog.peek(v1.id, HOUR)).toEqual(v2);
      expect(catalog.peek(v1.id, HOUR)).toEqual(await catalog.get(v1.id, HOUR));
      // with no age allowed, only an adapter that holds the truth in memory may answer
      const fresh = catalog.peek(v1.id, 0);
      if (fresh !== undefined) expect(fresh).toEqual(await catalog.get(v1.id));
      await catalog.get(uuidv7(), HOUR); // known absent: still nothing to peek at
      expect(catalog.peek(uuidv7(), HOUR)).toBeUndefined();
    });

    it('writes a version’s event with it, and none for a version it did not claim', async () => {
      const { store: catalog, written } = await make();
      const p = product();
      const event = productChanged(p);
      await catalog.insertVersion(p, [event]);
      await catalog.insertVersion(p, [productChanged(p)]);
      expect(written.map((e) => e.id)).toEqual([event.id]);
    });
  });
}

/** The behaviour every StockLedger adapter must have. */
export function stockLedgerContract(name: string, make: () => Promise<StockLedger>) {
  describe(`StockLedger contract: ${name}`, () => {
    it('appends moves with unique sequence numbers and unique opKeys', async () => {
      const ledger = await make();
      const productId = uuidv7();
      const move = { productId, seq: 1, stock: 5, delta: 5, opKey: `init:${productId}`, at: now() };
      expect(await ledger.append(move)).toBe('ok');
      expect(await ledger.append({ ...move, opKey: uuidv7() })).toBe('conflict'); // seq taken
      expect(await ledger.append({ ...move, seq: 2 })).toBe('conflict'); // opKey taken
      expect(await ledger.append({ ...move, seq: 2, stock: 3, delta: -2, opKey: 'o1' })).toBe('ok');
      expect(await ledger.latest(productId)).toMatchObject({ seq: 2, stock: 3 });
      expect(await ledger.byOpKey('o1')).toMatchObject({ seq: 2, delta: -2 });
      expect(await ledger.byOpKey('nope')).toBeNull();
      const many = await ledger.latestMany([productId, uuidv7()]);
      expect([...many.keys()]).toEqual([productId]);
    });

    it('peeks at what latest would answer within the same age, never reading and never more', async () => {
      const ledger = await make();
      const HOUR = 3_600_000;
      const productId = uuidv7();
      expect(ledger.peek(productId, HOUR)).toBeUndefined();
      await ledger.append({ productId, seq: 1, stock: 5, delta: 5, opKey: `init:${productId}`, at: now() });
      expect(ledger.peek(productId, HOUR)).toMatchObject({ seq: 1, stock: 5 });
      await ledger.append({ productId, seq: 2, stock: 4, delta: -1, opKey: uuidv7(), at: now() });
      expect(ledger.peek(productId, HOUR)).toEqual(await ledger.latest(productId, HOUR));
      expect(ledger.peek(productId, HOUR)).toMatchObject({ seq: 2, stock: 4 });
      const fresh = ledger.peek(productId, 0);
      if (fresh !== undefined) expect(fresh).toEqual(await ledger.latest(productId));
    });
  });
}

/** Reservation rules over real adapters: exactly once, all or nothing, never below zero. */
export function reservationContract(
  name: string,
  make: () => Promise<{ ledger: StockLedger; reservations: Reservations; written: DomainEvent[] }>,
) {
  describe(`Stock reservation: ${name}`, () => {
    const setup = async (stocks: number[]) => {
      const { ledger, reservations, written } = await make();
      const keeper = new StockKeeper(ledger);
      const ids = stocks.map(() => uuidv7());
      for (const [i, id] of ids.entries()) await keeper.initial(id, stocks[i] as number);
      return { keeper, reservations, ledger, ids, written };
    };
    const order = (lines: Array<[string, number]>): EventData<'order.placed'> => ({
      orderId: uuidv7(),
      customerId: 'c',
      items: lines.map(([productId, qty]) => ({ productId, name: 'x', unitPriceCents: 100, qty })),
      totalCents: 100,
      placedAt: now(),
    });

    it('reserves every line, once, however often the order arrives', async () => {
      const { keeper, reservations, ids, written } = await setup([5, 5]);
      const o = order([
        [ids[0] as string, 2],
        [ids[1] as string, 3],
      ]);
      const decisions = await Promise.all([1, 2, 3].map(() => reserveStock(keeper, reservations, o)));
      await reserveStock(keeper, reservations, o);
      expect(decisions.map((d) => d.outcome)).toEqual(['RESERVED', 'RESERVED', 'RESERVED']);
      expect(await keeper.current(ids[0] as string)).toBe(3);
      expect(await keeper.current(ids[1] as string)).toBe(2);
      expect((await reservations.get(o.orderId))?.outcome).toBe('RESERVED');
      expect(written.map((e) => e.type)).toEqual(['stock.reserved']); // one decision, one event
    });

    it('all or nothing: a short line rejects the order and gives back the rest', async () => {
      const { keeper, reservations, ids, written } = await setup([5, 1, 5]);
      const o = order([
        [ids[0] as string, 2],
        [ids[1] as string, 2],
        [ids[2] as string, 2],
      ]);
      const decision = await reserveStock(keeper, reservations, o);
      expect(decision.outcome).toBe('REJECTED');
      expect(written[0]).toMatchObject({
        type: 'stock.rejected',
        data: { reason: 'OUT_OF_STOCK', productIds: [ids[1]] },
      });
      await reserveStock(keeper, reservations, o); // redelivered: no second release
      expect(await Promise.all(ids.map((id) => keeper.current(id)))).toEqual([5, 1, 5]);
    });

    it('rejects unknown products', async () => {
      const { keeper, reservations, ids } = await setup([5]);
      const o = order([
        [ids[0] as string, 1],
        [uuidv7(), 1],
      ]);
      expect((await reserveStock(keeper, reservations, o)).outcome).toBe('REJECTED');
      expect(await keeper.current(ids[0] as string)).toBe(5);
    });

    it('never goes below zero: N concurrent orders for K items confirm exactly K', async () => {
      const { keeper, reservations, ids } = await setup([7]);
      const orders = Array.from({ length: 20 }, () => order([[ids[0] as string, 1]]));
      // each order twice, all at once: duplicates and contention together
      const decisions = await Promise.all([...orders, ...orders].map((o) => reserveStock(keeper, reservations, o)));
      const byOrder = new Map(decisions.map((d) => [d.orderId, d.outcome]));
      expect([...byOrder.values()].filter((o) => o === 'RESERVED')).toHaveLength(7);
      expect(await keeper.current(ids[0] as string)).toBe(0);
    });

    it('two StockKeepers (two replicas) on one ledger still never oversell', async () => {
      const { ledger, reservations, ids } = await setup([5]);
      const replicas = [new StockKeeper(ledger), new StockKeeper(ledger)];
      const orders = Array.from({ length: 12 }, () => order([[ids[0] as string, 1]]));
      const decisions = await Promise.all(
        orders.map((o, i) => reserveStock(replicas[i % 2] as StockKeeper, reservations, o)),
      );
      expect(decisions.filter((d) => d.outcome === 'RESERVED')).toHaveLength(5);
      expect(await replicas[0]?.current(ids[0] as string)).toBe(0);
    });

    it('an admin correction is one more move; reserved stock stays taken', async () => {
      const { keeper, reservations, ids } = await setup([3]);
      await reserveStock(keeper, reservations, order([[ids[0] as string, 2]]));
      expect(await keeper.set(ids[0] as string, 10, 'adjust:1')).toBe('applied');
      expect(await keeper.set(ids[0] as string, 10, 'adjust:1')).toBe('already');
      expect(await keeper.current(ids[0] as string)).toBe(10);
    });
  });
}
