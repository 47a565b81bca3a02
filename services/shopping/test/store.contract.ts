import { createEvent, type DomainEvent } from '@platform/shared/events';
import { uuidv7 } from '@platform/shared/ids';
import { describe, expect, it } from 'vitest';
import { type CartLine, type CatalogEntry, MAX_CART_LINES, type Order } from '../src/domain.ts';
import type { Carts, CatalogProjection, Orders } from '../src/ports.ts';

const entry = (productId: string, version: number, priceCents = 100): CatalogEntry => ({
  productId,
  name: `P v${version}`,
  description: '',
  category: 'c',
  unit: 'u',
  priceCents,
  supplier: null,
  version,
  updatedAt: new Date().toISOString(),
});

export function catalogProjectionContract(name: string, make: () => Promise<CatalogProjection>) {
  describe(`CatalogProjection contract: ${name}`, () => {
    it('keeps the newest version whatever the arrival order; duplicates are stale', async () => {
      const catalog = await make();
      const id = uuidv7();
      expect(await catalog.record(entry(id, 2, 200))).toBe('applied');
      expect(await catalog.record(entry(id, 1, 100))).toBe('stale');
      expect(await catalog.record(entry(id, 2, 200))).toBe('stale');
      expect((await catalog.latest(id))?.priceCents).toBe(200);
      await Promise.all([3, 5, 4].map((v) => catalog.record(entry(id, v, v * 100))));
      expect((await catalog.latest(id))?.version).toBe(5);
      expect(await catalog.latest(uuidv7())).toBeNull();
      const many = await catalog.latestMany([id, uuidv7()]);
      expect([...many.keys()]).toEqual([id]);
    });
  });
}

const pairs = (lines: CartLine[] | 'full') => (lines === 'full' ? lines : lines.map((l) => [l.productId, l.qty]));
const sortedPairs = (lines: CartLine[]) => lines.map((l) => [l.productId, l.qty]).sort();

export function cartsContract(name: string, make: () => Promise<Carts>) {
  describe(`Carts contract: ${name}`, () => {
    it('sets, replaces and removes lines per customer', async () => {
      const carts = await make();
      const [me, other, p1, p2] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
      await carts.set(me, p1, 1);
      await carts.set(me, p2, 2);
      await carts.set(me, p1, 3);
      await carts.set(other, p1, 9);
      expect((await carts.lines(me)).map((l) => [l.productId, l.qty]).sort()).toEqual(
        [
          [p1, 3],
          [p2, 2],
        ].sort(),
      );
      await carts.remove(me, p2);
      await carts.remove(me, p2);
      expect((await carts.lines(me)).map((l) => l.productId)).toEqual([p1]);
      expect((await carts.lines(other)).map((l) => l.qty)).toEqual([9]);
    });

    it('restore puts back the lines the cart has no line for, once, within the line limit', async () => {
      const carts = await make();
      const [me, p1, p2, p3] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
      await carts.restore(me, [
        { productId: p1, qty: 2 },
        { productId: p2, qty: 1 },
      ]);
      expect(sortedPairs(await carts.lines(me))).toEqual(
        [
          [p1, 2],
          [p2, 1],
        ].sort(),
      );
      await carts.set(me, p1, 5); // changed by the customer since: their line stays
      await carts.remove(me, p2);
      await carts.restore(me, [
        { productId: p1, qty: 2 },
        { productId: p3, qty: 4 },
      ]);
      await carts.restore(me, [{ productId: p3, qty: 4 }]);
      expect(sortedPairs(await carts.lines(me))).toEqual(
        [
          [p1, 5],
          [p3, 4],
        ].sort(),
      );
      const full = uuidv7();
      for (let i = 0; i < MAX_CART_LINES; i++) await carts.set(full, uuidv7(), 1);
      await carts.restore(full, [{ productId: p1, qty: 1 }]);
      expect(await carts.lines(full)).toHaveLength(MAX_CART_LINES);
    });

    it('set and remove answer the cart after the change, oldest line first', async () => {
      const carts = await make();
      const [me, p1, p2] = [uuidv7(), uuidv7(), uuidv7()];
      expect(await carts.set(me, p1, 1)).toMatchObject([{ productId: p1, qty: 1 }]);
      await new Promise((r) => setTimeout(r, 2));
      expect(pairs(await carts.set(me, p2, 2))).toEqual([
        [p1, 1],
        [p2, 2],
      ]);
      await new Promise((r) => setTimeout(r, 2));
      // a changed line is the newest
      expect(pairs(await carts.set(me, p1, 5))).toEqual([
        [p2, 2],
        [p1, 5],
      ]);
      expect((await carts.remove(me, p2)).map((l) => l.productId)).toEqual([p1]);
      expect(await carts.remove(uuidv7(), p1)).toEqual([]);
      expect(await carts.lines(uuidv7())).toEqual([]);
    });

    it("a customer's first lines, set at once, all land", async () => {
      const carts = await make();
      const me = uuidv7();
      const products = Array.from({ length: 8 }, () => uuidv7());
      await Promise.all(products.map((p, i) => carts.set(me, p, i + 1)));
      const lines = await carts.lines(me);
      expect(lines.map((l) => l.productId).sort()).toEqual([...products].sort());
      expect(lines.find((l) => l.productId === products[3])?.qty).toBe(4);
    });

    it(`refuses a new line past ${MAX_CART_LINES}, still changes the ones there`, async () => {
      const carts = await make();
      const me = uuidv7();
      const products = Array.from({ length: MAX_CART_LINES }, () => uuidv7());
      for (const p of products) await carts.set(me, p, 1);
      expect(await carts.set(me, uuidv7(), 1)).toBe('full');
      const changed = await carts.set(me, products[7] as string, 3);
      expect(changed !== 'full' && changed.length).toBe(MAX_CART_LINES);
      await carts.remove(me, products[0] as string);
      expect(await carts.set(me, uuidv7(), 1)).not.toBe('full');
    });

    it('removeOrdered keeps a line changed after it was read', async () => {
      const carts = await make();
      const [me, p1, p2] = [uuidv7(), uuidv7(), uuidv7()];
      await carts.set(me, p1, 1);
      await carts.set(me, p2, 1);
      const read = await carts.lines(me);
      await new Promise((r) => setTimeout(r, 5));
      await carts.set(me, p2, 4); // changed while the order was being placed
      await carts.removeOrdered(me, read);
      expect((await carts.lines(me)).map((l) => [l.productId, l.qty])).toEqual([[p2, 4]]);
    });
  });
}

export function ordersContract(name: string, make: () => Promise<{ orders: Orders; written: DomainEvent[] }>) {
  describe(`Orders contract: ${name}`, () => {
    const order = (customerId: string, placedAt = new Date().toISOString()): Order => ({
      orderId: uuidv7(),
      customerId,
      items: [{ productId: uuidv7(), name: 'x', unitPriceCents: 250, qty: 2 }],
      totalCents: 500,
      placedAt,
    });
    const placedEvent = (o: Order) =>
      createEvent(
        'order.placed',
        {
          orderId: o.orderId,
          customerId: o.customerId,
          items: o.items,
          totalCents: o.totalCents,
          placedAt: o.placedAt,
        },
        't',
      );

    it('places an order once, with its event', async () => {
      const { orders, written } = await make();
      const o = order(uuidv7());
      const events = [1, 2, 3].map(() => placedEvent(o));
      const results = await Promise.all(events.map((e) => orders.place(o, [e])));
      expect(results.filter((r) => r === 'placed')).toHaveLength(1);
      expect(written).toHaveLength(1);
      expect(events.map((e) => e.id)).toContain(written[0]?.id);
      expect(await orders.get(o.orderId)).toEqual(o);
      expect(await orders.get(uuidv7())).toBeNull();
    });

    it('takes the first outcome and keeps it', async () => {
      const { orders } = await make();
      const o = order(uuidv7());
      await orders.place(o, []);
      const at = new Date().toISOString();
      const results = await Promise.all([
        orders.decide({ orderId: o.orderId, status: 'CONFIRMED', at }, []),
        orders.decide({ orderId: o.orderId, status: 'CONFIRMED', at }, []),
      ]);
      expect(results.sort()).toEqual(['decided', 'exists']);
      expect(await orders.decide({ orderId: o.orderId, status: 'REJECTED', reason: 'late', at }, [])).toBe('exists');
      expect(await orders.outcome(o.orderId)).toEqual({ orderId: o.orderId, status: 'CONFIRMED', at });
      expect((await orders.outcomes([o.orderId, uuidv7()])).size).toBe(1);
    });

    it('lists a customer’s own orders, newest first', async () => {
      const { orders } = await make();
      const [me, other] = [uuidv7(), uuidv7()];
      const older = order(me, '2026-01-01T00:00:00.000Z');
      const newer = order(me, '2026-03-01T00:00:00.000Z');
      for (const o of [older, newer, order(other)]) await orders.place(o, []);
      expect((await orders.listForCustomer(me, 10)).map((o) => o.orderId)).toEqual([newer.orderId, older.orderId]);
      expect(await orders.listForCustomer(me, 1)).toHaveLength(1);
    });
  });
}
