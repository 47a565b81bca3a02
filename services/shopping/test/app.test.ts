import { createEvent, type DomainEvent } from '@platform/shared/events';
import { uuidv7 } from '@platform/shared/ids';
import { type TestService, testService } from '@platform/shared/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_CART_LINES } from '../src/domain.ts';
import shopping from '../src/service.ts';
import { OrderNotFoundYet } from '../src/settle-order.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;
const ann = { id: uuidv7(), email: 'ann@example.com' };
const bob = { id: uuidv7(), email: 'bob@example.com' };
let annToken: string;
let bobToken: string;

let service: TestService<unknown>;
let handle: (event: DomainEvent) => Promise<void>;
let published: DomainEvent[];
const tea = uuidv7();
const cake = uuidv7();

const changed = (productId: string, version: number, priceCents: number, name = 'Tea') =>
  createEvent(
    'product.changed',
    {
      productId,
      name,
      description: '',
      category: 'c',
      unit: 'box',
      priceCents,
      supplier: null,
      version,
      updatedAt: new Date().toISOString(),
    },
    'products',
  );

beforeEach(async () => {
  service = await testService(shopping);
  annToken = await service.tokenFor(ann);
  bobToken = await service.tokenFor(bob);
  published = service.bus.published;
  handle = service.deliver;
  await handle(changed(tea, 1, 450));
  await handle(changed(cake, 1, 300, 'Cake'));
});

const call = (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) =>
  service.request(method, path, { body, headers, ...(token && { token }) });
const put = (productId: string, qty: unknown, token = annToken) =>
  call('PUT', `/shopping/cart/items/${productId}`, token, { qty });

describe('shopping API', () => {
  it('prices the cart in integer cents from the newest catalog version', async () => {
    expect((await put(tea, 2)).status).toBe(200);
    const res = await put(cake, 1);
    expect(await res.json()).toEqual({
      items: [
        { productId: tea, name: 'Tea', unitPriceCents: 450, qty: 2 },
        { productId: cake, name: 'Cake', unitPriceCents: 300, qty: 1 },
      ],
      totalCents: 1200,
    });
    await handle(changed(tea, 3, 500));
    await handle(changed(tea, 2, 1)); // older version, arriving late: ignored
    expect(((await (await call('GET', '/shopping/cart', annToken)).json()) as Json).totalCents).toBe(1300);
  });

  it('404 for a product shopping does not know (yet); 400 for bad quantities', async () => {
    expect((await put(uuidv7(), 1)).status).toBe(404);
    for (const qty of [0, -1, 1.5, '2', 1001, { $gt: 0 }])
      expect((await put(tea, qty)).status, JSON.stringify(qty)).toBe(400);
    expect((await call('PUT', `/shopping/cart/items/${tea}`, annToken, { qty: 1, extra: true })).status).toBe(400);
    expect((await put('nope', 1)).status).toBe(400);
  });

  it(`409 with a clear message for a product past ${MAX_CART_LINES} lines`, async () => {
    // a hundred writes in a few milliseconds would meet the per-user write rate (http.test.ts)
    service = await testService(shopping, { env: { USER_WRITES_PER_SECOND: '0' } });
    handle = service.deliver;
    await handle(changed(tea, 1, 450));
    const products = Array.from({ length: MAX_CART_LINES }, () => uuidv7());
    for (const [i, p] of products.entries()) await handle(changed(p, 1, 100 + i));
    for (const p of products) expect((await put(p, 1)).status).toBe(200);
    const res = await put(tea, 1);
    expect(res.status).toBe(409);
    expect(JSON.stringify(await res.json())).toContain(`at most ${MAX_CART_LINES} products`);
    expect((await put(products[5] as string, 2)).status).toBe(200);
  });

  it('DELETE removes a line, idempotently; carts are per customer', async () => {
    await put(tea, 1);
    await put(cake, 1, bobToken);
    expect((await (await call('DELETE', `/shopping/cart/items/${tea}`, annToken)).json()) as Json).toEqual({
      items: [],
      totalCents: 0,
    });
    expect((await call('DELETE', `/shopping/cart/items/${tea}`, annToken)).status).toBe(200);
    expect(((await (await call('GET', '/shopping/cart', bobToken)).json()) as Json).items).toHaveLength(1);
  });

  it('POST /orders: 202 PENDING with order.placed, cart emptied; an empty cart is 409', async () => {
    await put(tea, 2);
    const res = await call('POST', '/shopping/orders', annToken);
    expect(res.status).toBe(202);
    const order = (await res.json()) as Json;
    expect(order).toMatchObject({
      status: 'PENDING',
      totalCents: 900,
      items: [{ productId: tea, qty: 2, unitPriceCents: 450 }],
    });
    expect(((await (await call('GET', '/shopping/cart', annToken)).json()) as Json).items).toEqual([]);
    expect((await call('POST', '/shopping/orders', annToken)).status).toBe(409);
    await service.settled();
    expect(published).toEqual([
      expect.objectContaining({
        type: 'order.placed',
        data: expect.objectContaining({ orderId: order.orderId, customerId: ann.id, totalCents: 900 }),
      }),
    ]);
  });

  it('Idempotency-Key: same key, same order, one event, even concurrently', async () => {
    await put(tea, 1);
    const headers = { 'idempotency-key': 'checkout-123' };
    const responses = await Promise.all(
      [1, 2, 3].map(() => call('POST', '/shopping/orders', annToken, undefined, headers)),
    );
    const ids = new Set(await Promise.all(responses.map(async (r) => ((await r.json()) as Json).orderId)));
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(ids.size).toBe(1);
    // a retry after the cart was emptied by the order: the same order
    const later = (await (await call('POST', '/shopping/orders', annToken, undefined, headers)).json()) as Json;
    expect(later.orderId).toEqual([...ids][0]);
    // the same key for a cart of other items: refused, and the cart is left for a new order
    await put(tea, 5);
    const reused = await call('POST', '/shopping/orders', annToken, undefined, headers);
    expect(reused.status).toBe(422);
    expect(((await reused.json()) as Json).error).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      message: expect.stringMatching(/new key/),
    });
    expect(((await (await call('GET', '/shopping/cart', annToken)).json()) as Json).items).toHaveLength(1);
    const fresh = await call('POST', '/shopping/orders', annToken, undefined, { 'idempotency-key': 'checkout-124' });
    expect([fresh.status, ((await fresh.json()) as Json).totalCents]).toEqual([202, 2250]);
    await service.settled();
    expect(published.filter((e) => e.type === 'order.placed')).toHaveLength(2);
    // another customer may use the same key
    await put(tea, 1, bobToken);
    const bobs = (await (await call('POST', '/shopping/orders', bobToken, undefined, headers)).json()) as Json;
    expect(bobs.orderId).not.toEqual(later.orderId);
    expect(
      (await call('POST', '/shopping/orders', annToken, undefined, { 'idempotency-key': 'with space' })).status,
    ).toBe(400);
  });

  it('settles orders once from stock replies; another customer’s order is 404', async () => {
    await put(tea, 1);
    const order = (await (await call('POST', '/shopping/orders', annToken)).json()) as Json;
    await handle(createEvent('stock.reserved', { orderId: order.orderId }, 'products'));
    await handle(createEvent('stock.reserved', { orderId: order.orderId }, 'products'));
    await handle(
      createEvent('stock.rejected', { orderId: order.orderId, reason: 'OUT_OF_STOCK', productIds: [tea] }, 'products'),
    );
    const got = (await (await call('GET', `/shopping/orders/${order.orderId}`, annToken)).json()) as Json;
    expect(got).toMatchObject({ orderId: order.orderId, status: 'CONFIRMED' });
    expect((await call('GET', `/shopping/orders/${order.orderId}`, bobToken)).status).toBe(404);
    expect((await call('GET', `/shopping/orders/${uuidv7()}`, annToken)).status).toBe(404);
    expect(
      ((await (await call('GET', '/shopping/orders', annToken)).json()) as Json).map((o: Json) => o.status),
    ).toEqual(['CONFIRMED']);
    expect(await (await call('GET', '/shopping/orders', bobToken)).json()).toEqual([]);
    await service.settled();
    expect(published.filter((e) => e.type === 'order.confirmed')).toHaveLength(1);
    expect(published.filter((e) => e.type === 'order.rejected')).toHaveLength(0);
  });

  it('a REJECTED order gives the customer their cart back, once', async () => {
    await put(tea, 2);
    await put(cake, 1);
    const order = (await (await call('POST', '/shopping/orders', annToken)).json()) as Json;
    expect(((await (await call('GET', '/shopping/cart', annToken)).json()) as Json).items).toEqual([]);
    await put(cake, 3); // changed by the customer meanwhile: kept as it is
    const rejected = createEvent(
      'stock.rejected',
      { orderId: order.orderId, reason: 'OUT_OF_STOCK', productIds: [tea] },
      'products',
    );
    await handle(rejected);
    const cart = (await (await call('GET', '/shopping/cart', annToken)).json()) as Json;
    expect(cart.items.map((i: Json) => [i.productId, i.qty]).sort()).toEqual(
      [
        [cake, 3],
        [tea, 2],
      ].sort(),
    );
    await call('DELETE', `/shopping/cart/items/${tea}`, annToken);
    await handle(rejected); // redelivered: settled already, the cart is left alone
    expect(((await (await call('GET', '/shopping/cart', annToken)).json()) as Json).items).toHaveLength(1);
    expect(((await (await call('GET', `/shopping/orders/${order.orderId}`, annToken)).json()) as Json).status).toBe(
      'REJECTED',
    );
  });

  it('a stock reply for an order not stored yet is retried, not dropped', async () => {
    await expect(handle(createEvent('stock.reserved', { orderId: uuidv7() }, 'products'))).rejects.toBeInstanceOf(
      OrderNotFoundYet,
    );
  });

  it('every route needs a valid token', async () => {
    for (const [method, path] of [
      ['GET', '/shopping/cart'],
      ['DELETE', `/shopping/cart/items/${tea}`],
      ['POST', '/shopping/orders'],
      ['GET', '/shopping/orders'],
      ['GET', `/shopping/orders/${uuidv7()}`],
    ] as const) {
      expect((await call(method, path)).status, path).toBe(401);
    }
  });
});
