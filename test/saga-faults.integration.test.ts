/**
 * The order saga across three service processes, real RabbitMQ and a real MongoDB-compatible
 * server, while things break: the broker restarts mid-flow, services are SIGKILLed between their
 * write and their publish or ack, messages come twice, out of order, or malformed. After each,
 * every order reaches its final status, stock adds up exactly, and nothing is applied twice.
 */
import amqp from 'amqplib';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokens } from '../services/shared/src/auth.ts';
import { createEvent } from '../services/shared/src/events.ts';
import { uuidv7 } from '../services/shared/src/ids.ts';
import { mongoOutboxWriters } from '../services/shared/src/outbox-mongo.ts';
import { testStoreKit } from '../services/shared/src/testing.ts';
import { deadLetterQueueName } from '../services/shared/src/topology.ts';
import { MongoOrders } from '../services/shopping/src/store-mongo.ts';
import { backends, eventually, restartBroker, TEST_JWT_SECRET, uniqueName } from './helpers.ts';
import { type Json, request, type ServiceProcess, serviceProcess } from './processes.ts';

const namespace = uniqueName('faults');
let customer: ServiceProcess;
let products: ServiceProcess;
let shopping: ServiceProcess;
let admin: string;

beforeAll(async () => {
  customer = await serviceProcess('customer', namespace, backends(), { ADMIN_EMAILS: 'boss@example.com' });
  products = await serviceProcess('products', namespace, backends());
  shopping = await serviceProcess('shopping', namespace, backends());
  await Promise.all([customer.start(), products.start(), shopping.start()]);
  admin = await (await createTokens(TEST_JWT_SECRET, 3600)).issue({
    id: uuidv7(),
    email: 'boss@example.com',
    role: 'admin',
  });
});
afterAll(async () => {
  if (process.env.TEST_SERVICE_LOG_LEVEL)
    for (const s of [customer, products, shopping]) console.error(`--- ${s.name}\n${s.output()}`);
  await Promise.all([customer, products, shopping].map((s) => s?.stop('SIGTERM')));
});

async function newProduct(stock: number) {
  const res = await request(products.url, 'POST', '/products', {
    token: admin,
    body: { name: `Item ${uuidv7().slice(-6)}`, category: 'faults', unit: 'piece', priceCents: 100, stock },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function newBuyer() {
  const res = await request(customer.url, 'POST', '/customer/signup', {
    body: { email: `${uuidv7()}@example.com`, password: 'buyer password' },
  });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, token: res.body.token as string };
}

/** Fills the cart (waiting for shopping to learn the product) and places the order. */
async function order(buyer: { token: string }, productId: string, qty = 1): Promise<string> {
  await eventually(
    async () =>
      (await request(shopping.url, 'PUT', `/shopping/cart/items/${productId}`, { token: buyer.token, body: { qty } }))
        .status === 200,
    30_000,
    'product known to shopping',
  );
  const res = await request(shopping.url, 'POST', '/shopping/orders', { token: buyer.token });
  expect(res.status).toBe(202);
  return res.body.orderId;
}

async function finalStatuses(orders: Array<{ token: string; orderId: string }>, ms = 60_000) {
  return eventually(
    async () => {
      const statuses = await Promise.all(
        orders.map(
          async (o) =>
            (await request(shopping.url, 'GET', `/shopping/orders/${o.orderId}`, { token: o.token })).body
              ?.status as string,
        ),
      );
      return statuses.every((s) => s === 'CONFIRMED' || s === 'REJECTED') ? statuses : undefined;
    },
    ms,
    'every order final',
  );
}

const stockOf = async (productId: string) =>
  (await request(products.url, 'GET', `/products/${productId}`)).body.stock as number;

async function historyStatuses(buyer: { token: string }) {
  return ((await request(customer.url, 'GET', '/customer/orders', { token: buyer.token })).body as Json[]).map(
    (o) => o.status,
  );
}

describe('order saga under faults', () => {
  it('orders placed while the broker is down all complete once it is back', async () => {
    const productId = await newProduct(100);
    const buyer = await newBuyer();
    await order(buyer, productId); // warm: shopping knows the product
    const restarting = restartBroker({ hard: true, downMs: 3_000 });
    await eventually(
      async () => (await request(shopping.url, 'GET', '/shopping/ready')).status === 503,
      15_000,
      'shopping not ready',
    );
    const placed: Array<{ token: string; orderId: string }> = [];
    for (let i = 0; i < 5; i++) {
      await request(shopping.url, 'PUT', `/shopping/cart/items/${productId}`, { token: buyer.token, body: { qty: 2 } });
      const res = await request(shopping.url, 'POST', '/shopping/orders', { token: buyer.token });
      expect(res.status).toBe(202); // the write and its event are stored; the broker is not needed
      placed.push({ token: buyer.token, orderId: res.body.orderId });
    }
    await restarting;
    expect(await finalStatuses(placed)).toEqual(Array(5).fill('CONFIRMED'));
    await eventually(async () => (await stockOf(productId)) === 100 - 1 - 10, 30_000, 'stock 89');
    await eventually(
      async () => (await historyStatuses(buyer)).filter((s) => s === 'CONFIRMED').length === 6,
      30_000,
      'history',
    );
  });

  it('shopping SIGKILLed right after accepting orders: its outbox publishes them after the restart', async () => {
    const productId = await newProduct(50);
    const buyers = await Promise.all(Array.from({ length: 5 }, () => newBuyer()));
    for (const b of buyers) {
      await eventually(
        async () =>
          (
            await request(shopping.url, 'PUT', `/shopping/cart/items/${productId}`, {
              token: b.token,
              body: { qty: 1 },
            })
          ).status === 200,
        30_000,
        'cart',
      );
    }
    const placed = await Promise.all(
      buyers.map(async (b) => ({
        token: b.token,
        orderId: (await request(shopping.url, 'POST', '/shopping/orders', { token: b.token })).body.orderId as string,
      })),
    );
    await shopping.stop('SIGKILL'); // between the write and the publish, for some of them
    await shopping.start();
    expect(await finalStatuses(placed)).toEqual(Array(5).fill('CONFIRMED'));
    expect(await stockOf(productId)).toBe(45);
  });

  it('a crash right after the write, before the publish: the next relay pass publishes the stored event', async () => {
    const productId = await newProduct(10);
    const buyer = await newBuyer();
    await order(buyer, productId); // shopping knows the product
    // Exactly what a crash between the insert and the publish leaves behind: the order with its
    // order.placed in its outbox, and nothing on the broker.
    const client = new MongoClient(backends().mongoUrl);
    const database = client.db(`${namespace.replace(/\W/g, '_')}_shopping`);
    // a process that recorded itself as a writer (watermark 0), then died: its writes nobody relays
    const writer = `shopping/${uuidv7()}`;
    await mongoOutboxWriters(database).beat(writer, 0, 0);
    const orders = new MongoOrders(database, testStoreKit(undefined, writer).kit);
    const orderId = uuidv7();
    const items = [{ productId, name: 'Item', unitPriceCents: 100, qty: 3 }];
    const placedAt = new Date().toISOString();
    await orders.place({ orderId, customerId: buyer.id, items, totalCents: 300, placedAt }, [
      createEvent('order.placed', { orderId, customerId: buyer.id, items, totalCents: 300, placedAt }, 'shopping'),
    ]);
    await client.close();
    expect(await finalStatuses([{ token: buyer.token, orderId }], 30_000)).toEqual(['CONFIRMED']);
    await eventually(async () => (await stockOf(productId)) === 10 - 1 - 3, 10_000, 'stock 6');
  });

  it('products SIGKILLed while reserving: no stock taken twice, none lost', async () => {
    const productId = await newProduct(6);
    const buyers = await Promise.all(Array.from({ length: 10 }, () => newBuyer()));
    const placed = await Promise.all(buyers.map(async (b) => ({ token: b.token, orderId: await order(b, productId) })));
    await new Promise((r) => setTimeout(r, 30));
    await products.stop('SIGKILL'); // some reservations written but not acknowledged
    await products.start();
    const statuses = await finalStatuses(placed);
    expect(statuses.filter((s) => s === 'CONFIRMED')).toHaveLength(6);
    expect(await stockOf(productId)).toBe(0);
  });

  it('duplicate, late and out-of-order stock replies never move a final order', async () => {
    const productId = await newProduct(5);
    const buyer = await newBuyer();
    const orderId = await order(buyer, productId);
    expect(await finalStatuses([{ token: buyer.token, orderId }])).toEqual(['CONFIRMED']);
    const connection = await amqp.connect(backends().amqpUrl);
    const ch = await connection.createConfirmChannel();
    const send = async (e: unknown, key: string) => {
      ch.publish(namespace, key, Buffer.from(JSON.stringify(e)), { persistent: true });
      await ch.waitForConfirms();
    };
    await send(createEvent('stock.reserved', { orderId }, 'test'), 'stock.reserved');
    await send(
      createEvent('stock.rejected', { orderId, reason: 'OUT_OF_STOCK', productIds: [productId] }, 'test'),
      'stock.rejected',
    );
    // an order.placed delivered again reserves nothing more
    const placed = (await request(shopping.url, 'GET', `/shopping/orders/${orderId}`, { token: buyer.token })).body;
    await send(
      createEvent(
        'order.placed',
        {
          orderId,
          customerId: buyer.id,
          items: placed.items,
          totalCents: placed.totalCents,
          placedAt: placed.placedAt,
        },
        'test',
      ),
      'order.placed',
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(
      (await request(shopping.url, 'GET', `/shopping/orders/${orderId}`, { token: buyer.token })).body.status,
    ).toBe('CONFIRMED');
    expect(await historyStatuses(buyer)).toEqual(['CONFIRMED']);
    expect(await stockOf(productId)).toBe(4);
    await connection.close();
  });

  it('a malformed message goes to the dead-letter queue and the consumer keeps going', async () => {
    const connection = await amqp.connect(backends().amqpUrl);
    const ch = await connection.createConfirmChannel();
    ch.publish(namespace, 'stock.reserved', Buffer.from('{"this is": "not an event"'), { persistent: true });
    await ch.waitForConfirms();
    const dlq = deadLetterQueueName(namespace, 'shopping');
    const dead = await eventually(
      async () => (await ch.get(dlq, { noAck: true })) || undefined,
      15_000,
      'the dead letter',
    );
    expect(dead.content.toString()).toContain('not an event');
    const productId = await newProduct(1);
    const buyer = await newBuyer();
    const orderId = await order(buyer, productId);
    expect(await finalStatuses([{ token: buyer.token, orderId }])).toEqual(['CONFIRMED']);
    await connection.close();
  });
});
