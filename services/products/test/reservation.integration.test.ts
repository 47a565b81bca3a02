import { createTokens } from '@platform/shared/auth';
import { createEvent, type DomainEvent } from '@platform/shared/events';
import { uuidv7 } from '@platform/shared/ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, recordingBus, startRealService, TEST_JWT_SECRET, uniqueName } from '../../../test/helpers.ts';
import productsService from '../src/service.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;
const exchange = uniqueName('it.products');
let service: Awaited<ReturnType<typeof startRealService>>;
let shopping: Awaited<ReturnType<typeof recordingBus>>;
let admin: string;

beforeAll(async () => {
  service = await startRealService(productsService, { exchange, database: uniqueName('products').replace(/-/g, '_') });
  shopping = await recordingBus(exchange, 'shopping');
  admin = await (await createTokens(TEST_JWT_SECRET, 600)).issue({
    id: uuidv7(),
    email: 'boss@example.com',
    role: 'admin',
  });
});
afterAll(async () => {
  await shopping?.bus.close();
  await service?.stop();
});

const http = async (method: string, path: string, body?: unknown) => {
  const res = await service.fetch(
    new Request(`http://products${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    }),
  );
  return { status: res.status, body: (await res.json()) as Json };
};

const placed = (lines: Array<[string, number]>) =>
  createEvent(
    'order.placed',
    {
      orderId: uuidv7(),
      customerId: uuidv7(),
      items: lines.map(([productId, qty]) => ({ productId, name: 'x', unitPriceCents: 100, qty })),
      totalCents: 100,
      placedAt: new Date().toISOString(),
    },
    'shopping',
  );

const outcomes = (orderIds: Set<string>) => {
  const byOrder = new Map<string, Set<string>>();
  for (const e of shopping.received as DomainEvent[]) {
    if ((e.type === 'stock.reserved' || e.type === 'stock.rejected') && orderIds.has(e.data.orderId)) {
      byOrder.set(e.data.orderId, (byOrder.get(e.data.orderId) ?? new Set()).add(e.type));
    }
  }
  return byOrder;
};

describe('products against RabbitMQ and a MongoDB-compatible server', () => {
  it('publishes product.changed through the outbox for each version', async () => {
    const created = await http('POST', '/products', {
      name: 'Tea',
      category: 'drinks',
      unit: 'box',
      priceCents: 450,
      stock: 3,
    });
    expect(created.status).toBe(201);
    await http('PATCH', `/products/${created.body.id}`, { priceCents: 500 });
    await eventually(
      () =>
        shopping.received.filter((e) => e.type === 'product.changed' && e.data.productId === created.body.id).length >=
        2,
      15_000,
      'two product.changed',
    );
  });

  it('N concurrent orders for K items, each delivered twice: exactly K reserved, stock 0, one outcome per order', async () => {
    const { body: product } = await http('POST', '/products', {
      name: 'Lamp',
      category: 'home',
      unit: 'piece',
      priceCents: 2999,
      stock: 5,
    });
    const orders = Array.from({ length: 12 }, () => placed([[product.id, 1]]));
    await Promise.all([...orders, ...orders].map((o) => service.bus.publish(o)));
    const ids = new Set(orders.map((o) => o.data.orderId));
    const byOrder = await eventually(
      () => {
        const seen = outcomes(ids);
        return seen.size === ids.size ? seen : undefined;
      },
      30_000,
      'an outcome for every order',
    );
    const kinds = [...byOrder.values()];
    expect(kinds.every((k) => k.size === 1)).toBe(true); // never both reserved and rejected
    expect(kinds.filter((k) => k.has('stock.reserved'))).toHaveLength(5);
    expect((await http('GET', `/products/${product.id}`)).body.stock).toBe(0);
  });

  it('all or nothing across products, and a late redelivery changes nothing', async () => {
    const { body: a } = await http('POST', '/products', {
      name: 'A',
      category: 'x',
      unit: 'u',
      priceCents: 1,
      stock: 4,
    });
    const { body: b } = await http('POST', '/products', {
      name: 'B',
      category: 'x',
      unit: 'u',
      priceCents: 1,
      stock: 1,
    });
    const tooMuch = placed([
      [a.id, 2],
      [b.id, 2],
    ]);
    const fine = placed([
      [a.id, 1],
      [b.id, 1],
    ]);
    await service.bus.publish(tooMuch);
    await service.bus.publish(fine);
    const ids = new Set([tooMuch.data.orderId, fine.data.orderId]);
    await eventually(() => outcomes(ids).size === 2, 20_000, 'both outcomes');
    expect([...(outcomes(ids).get(tooMuch.data.orderId) ?? [])]).toEqual(['stock.rejected']);
    expect([...(outcomes(ids).get(fine.data.orderId) ?? [])]).toEqual(['stock.reserved']);
    await service.bus.publish(fine);
    await service.bus.publish(tooMuch);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await http('GET', `/products/${a.id}`)).body.stock).toBe(3);
    expect((await http('GET', `/products/${b.id}`)).body.stock).toBe(0);
  });
});
