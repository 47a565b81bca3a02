import { uuidv7 } from '@platform/shared/ids';
import { describe, expect, it } from 'vitest';
import type { Customer, OrderSummary } from '../src/domain.ts';
import type { CustomerStore, OrderHistory } from '../src/ports.ts';

const customer = (over: Partial<Customer> = {}): Customer => ({
  id: uuidv7(),
  email: `${uuidv7()}@example.com`,
  passwordHash: 'scrypt$1$1$1$x$y',
  phone: null,
  role: 'customer',
  addresses: [],
  wishlist: [],
  createdAt: new Date().toISOString(),
  ...over,
});

const address = () => ({ id: uuidv7(), street: 'Main St 1', postalCode: '10115', city: 'Berlin', country: 'DE' });

/** The behaviour every CustomerStore adapter must have. */
export function customerStoreContract(name: string, make: () => Promise<CustomerStore>) {
  describe(`CustomerStore contract: ${name}`, () => {
    it('creates, finds by id and email; refuses a second account for an email', async () => {
      const store = await make();
      const a = customer();
      expect(await store.create(a)).toBe('created');
      expect(await store.findById(a.id)).toEqual(a);
      expect(await store.findByEmail(a.email)).toEqual(a);
      expect(await store.create(customer({ email: a.email }))).toBe('email_taken');
      expect(await store.findById(uuidv7())).toBeNull();
      expect(await store.findByEmail('nobody@example.com')).toBeNull();
    });

    it('refuses duplicate emails under concurrent sign-ups', async () => {
      const store = await make();
      const email = `${uuidv7()}@example.com`;
      const results = await Promise.all(Array.from({ length: 8 }, () => store.create(customer({ email }))));
      expect(results.filter((r) => r === 'created')).toHaveLength(1);
    });

    it('adds addresses up to the limit, also concurrently', async () => {
      const store = await make();
      const a = customer();
      await store.create(a);
      const results = await Promise.all(Array.from({ length: 5 }, () => store.addAddress(a.id, address(), 3)));
      expect(results.filter((r) => r === 'added')).toHaveLength(3);
      expect(results.filter((r) => r === 'limit')).toHaveLength(2);
      expect((await store.findById(a.id))?.addresses).toHaveLength(3);
      expect(await store.addAddress(uuidv7(), address(), 3)).toBe('not_found');
    });

    it('keeps the wishlist a set, bounded, with idempotent add and remove', async () => {
      const store = await make();
      const a = customer();
      await store.create(a);
      const [p1, p2, p3] = [uuidv7(), uuidv7(), uuidv7()];
      expect(await store.addToWishlist(a.id, p1, 2)).toBe('added');
      expect(await store.addToWishlist(a.id, p1, 2)).toBe('added');
      expect(await store.addToWishlist(a.id, p2, 2)).toBe('added');
      expect(await store.addToWishlist(a.id, p3, 2)).toBe('limit');
      expect(await store.addToWishlist(a.id, p2, 2)).toBe('added'); // already there: fine at the limit
      expect((await store.findById(a.id))?.wishlist).toEqual([p1, p2]);
      expect(await store.removeFromWishlist(a.id, p1)).toBe('removed');
      expect(await store.removeFromWishlist(a.id, p1)).toBe('removed');
      expect((await store.findById(a.id))?.wishlist).toEqual([p2]);
      expect(await store.addToWishlist(uuidv7(), p1, 2)).toBe('not_found');
      expect(await store.removeFromWishlist(uuidv7(), p1)).toBe('not_found');
    });

    it('changes the role', async () => {
      const store = await make();
      const a = customer();
      await store.create(a);
      await store.setRole(a.id, 'admin');
      expect((await store.findById(a.id))?.role).toBe('admin');
    });
  });
}

// One instant for both: a placed order's history shows updatedAt = placedAt (two clock reads could
// straddle a millisecond).
const summary = (
  customerId: string,
  over: Partial<OrderSummary> = {},
  now = new Date().toISOString(),
): OrderSummary => ({
  orderId: uuidv7(),
  customerId,
  status: 'PENDING',
  totalCents: 500,
  items: [{ productId: uuidv7(), name: 'Tea', unitPriceCents: 250, qty: 2 }],
  placedAt: now,
  updatedAt: now,
  ...over,
});

/** The behaviour every OrderHistory adapter must have: idempotent, order-insensitive, final is final. */
export function orderHistoryContract(name: string, make: () => Promise<OrderHistory>) {
  describe(`OrderHistory contract: ${name}`, () => {
    it('records a placed order, then its outcome; duplicates change nothing', async () => {
      const history = await make();
      const customerId = uuidv7();
      const order = summary(customerId);
      await history.recordPlaced(order);
      await history.recordPlaced(order);
      expect(await history.listForCustomer(customerId)).toEqual([order]);
      const at = new Date(Date.now() + 1000).toISOString();
      await history.recordOutcome({ orderId: order.orderId, customerId, status: 'CONFIRMED', at });
      await history.recordOutcome({ orderId: order.orderId, customerId, status: 'CONFIRMED', at });
      expect(await history.listForCustomer(customerId)).toEqual([{ ...order, status: 'CONFIRMED', updatedAt: at }]);
    });

    it('never moves a final status, whatever arrives later', async () => {
      const history = await make();
      const customerId = uuidv7();
      const order = summary(customerId);
      await history.recordPlaced(order);
      await history.recordOutcome({ orderId: order.orderId, customerId, status: 'REJECTED', at: order.placedAt });
      await history.recordOutcome({ orderId: order.orderId, customerId, status: 'CONFIRMED', at: order.placedAt });
      await history.recordPlaced(order);
      const [entry] = await history.listForCustomer(customerId);
      expect(entry?.status).toBe('REJECTED');
    });

    it('takes the outcome before order.placed and fills in the details later', async () => {
      const history = await make();
      const customerId = uuidv7();
      const order = summary(customerId);
      const at = new Date(Date.now() + 5000).toISOString();
      await history.recordOutcome({ orderId: order.orderId, customerId, status: 'CONFIRMED', totalCents: 500, at });
      await history.recordPlaced(order);
      expect(await history.listForCustomer(customerId)).toEqual([{ ...order, status: 'CONFIRMED', updatedAt: at }]);
    });

    it('handles concurrent duplicate deliveries', async () => {
      const history = await make();
      const customerId = uuidv7();
      const order = summary(customerId);
      const at = new Date().toISOString();
      await Promise.all([
        history.recordPlaced(order),
        history.recordPlaced(order),
        history.recordOutcome({ orderId: order.orderId, customerId, status: 'CONFIRMED', at }),
        history.recordOutcome({ orderId: order.orderId, customerId, status: 'CONFIRMED', at }),
      ]);
      const entries = await history.listForCustomer(customerId);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ status: 'CONFIRMED', items: order.items, totalCents: 500 });
    });

    it('lists only the customer’s own orders, newest first', async () => {
      const history = await make();
      const [me, other] = [uuidv7(), uuidv7()];
      const older = summary(me, { placedAt: '2026-01-01T00:00:00.000Z' });
      const newer = summary(me, { placedAt: '2026-02-01T00:00:00.000Z' });
      await history.recordPlaced(older);
      await history.recordPlaced(newer);
      await history.recordPlaced(summary(other));
      expect((await history.listForCustomer(me)).map((o) => o.orderId)).toEqual([newer.orderId, older.orderId]);
    });
  });
}
