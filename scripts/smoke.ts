/**
 * End-to-end smoke flow against any deployment: `npm start`, docker compose, or the ALB.
 *
 *   npm run smoke -- --base-url http://127.0.0.1:8080 [--admin-email E] [--admin-password P] [--buyers N]
 *
 * The admin email must be listed in the target's ADMIN_EMAILS (npm start's embedded mode lists
 * smoke-admin@example.com). Exit code 0 when every step passed, 1 otherwise.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { registeredServices } from '../services/shared/src/topology.ts';
import { isMain } from './lib/main.ts';

export interface SmokeOptions {
  baseUrl: string;
  adminEmail: string;
  adminPassword: string;
  /** Concurrent buyers of a product with fewer items in stock than buyers. */
  buyers: number;
  /** How long to wait for asynchronous steps (events) to settle. */
  settleMs: number;
  log: (line: string) => void;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON from the API, checked step by step
type Json = any;

class StepFailed extends Error {}

export async function runSmoke(o: SmokeOptions): Promise<boolean> {
  const base = o.baseUrl.replace(/\/+$/, '');
  const started = Date.now();
  let failures = 0;

  async function call(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    headers: Record<string, string> = {},
  ) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token && { authorization: `Bearer ${token}` }),
        ...headers,
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let json: Json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, body: json };
  }

  function expect(condition: boolean, message: string) {
    if (!condition) throw new StepFailed(message);
  }

  async function expectStatus(p: ReturnType<typeof call>, status: number, what: string) {
    const res = await p;
    expect(res.status === status, `${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function settle<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + o.settleMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new StepFailed(`${what}: not reached within ${o.settleMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Steps that failed: a step that needs what one of them makes is not run, and says so. */
  const failed = new Set<string>();
  async function step(name: string, run: () => Promise<string | undefined>, needs: string[] = []) {
    const missing = needs.find((n) => failed.has(n));
    if (missing) {
      failures++;
      failed.add(name);
      o.log(`  SKIP  ${name} - needs "${missing}", which failed`);
      return;
    }
    const t0 = Date.now();
    try {
      const detail = await run();
      o.log(`  ok    ${name} (${Date.now() - t0} ms)${detail ? ` - ${detail}` : ''}`);
    } catch (err) {
      failures++;
      failed.add(name);
      o.log(`  FAIL  ${name} (${Date.now() - t0} ms) - ${err instanceof Error ? err.message : String(err)}`);
      if (!(err instanceof StepFailed)) throw err;
    }
  }

  const signupOrLogin = async (email: string, password: string) => {
    const signup = await call('POST', '/customer/signup', { email, password });
    if (signup.status === 201) return signup.body.token as string;
    expect(signup.status === 409, `signup ${email}: ${signup.status} ${JSON.stringify(signup.body)}`);
    return (await expectStatus(call('POST', '/customer/login', { email, password }), 200, `login ${email}`))
      .token as string;
  };
  const newCustomer = () => signupOrLogin(`smoke-${randomUUID()}@example.com`, `pw-${randomUUID()}`);
  const createProduct = async (admin: string, name: string, stock: number, priceCents: number) =>
    expectStatus(
      call('POST', '/products', { name, category: 'smoke', unit: 'piece', priceCents, stock }, admin),
      201,
      `create ${name}`,
    );
  /** shopping learns of a product through product.changed: retry the cart until it does. */
  const putInCart = (token: string, productId: string, qty: number) =>
    settle(`cart accepts ${productId}`, async () => {
      const res = await call('PUT', `/shopping/cart/items/${productId}`, { qty }, token);
      if (res.status === 404) return undefined;
      expect(res.status === 200, `PUT cart item: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    });
  const finalStatus = (token: string, orderId: string) =>
    settle(`order ${orderId} final`, async () => {
      const res = await call('GET', `/shopping/orders/${orderId}`, undefined, token);
      return res.status === 200 && res.body.status !== 'PENDING' ? (res.body.status as string) : undefined;
    });
  const stockOf = async (productId: string) =>
    (await expectStatus(call('GET', `/products/${productId}`), 200, 'get product')).stock as number;

  o.log(`smoke flow against ${base}`);
  let admin = '';
  let buyer = '';
  const run = randomUUID().slice(0, 8);
  const products: Record<string, Json> = {};

  await step('health and readiness of every service', async () => {
    for (const s of registeredServices()) {
      const health = await expectStatus(call('GET', `/${s}/health`), 200, `${s} health`);
      expect(health.status === 'ok' && health.service === s, `${s} health body ${JSON.stringify(health)}`);
      await expectStatus(call('GET', `/${s}/ready`), 200, `${s} ready`);
    }
    return undefined;
  });

  const ADMIN = 'admin signs in and creates products';
  const CART = 'a customer signs up and fills the cart';
  const ORDER = 'order: 202 PENDING, same Idempotency-Key gives the same order, cart emptied';
  await step(ADMIN, async () => {
    admin = await signupOrLogin(o.adminEmail, o.adminPassword);
    const probe = await call('POST', '/products', {}, admin);
    expect(probe.status !== 403, `${o.adminEmail} is not an admin on the target: add it to ADMIN_EMAILS`);
    products.tea = await createProduct(admin, `Smoke tea ${run}`, 5, 450);
    products.rare = await createProduct(admin, `Smoke rarity ${run}`, 1, 9900);
    products.hot = await createProduct(admin, `Smoke hot item ${run}`, Math.max(1, Math.floor(o.buyers / 2)), 100);
    return `3 products, version ${products.tea.version}`;
  });

  await step(CART, async () => {
    buyer = await newCustomer();
    const cart = await putInCart(buyer, products.tea.id, 2);
    expect(cart.totalCents === 900 && cart.items[0]?.qty === 2, `cart ${JSON.stringify(cart)}`);
    return `total ${cart.totalCents} cents`;
  }, [ADMIN]);

  let orderId = '';
  await step(ORDER, async () => {
    const key = `smoke-${run}`;
    const order = await expectStatus(
      call('POST', '/shopping/orders', undefined, buyer, { 'idempotency-key': key }),
      202,
      'place order',
    );
    expect(order.status === 'PENDING' && order.totalCents === 900, `order ${JSON.stringify(order)}`);
    const again = await expectStatus(
      call('POST', '/shopping/orders', undefined, buyer, { 'idempotency-key': key }),
      202,
      'retry order',
    );
    expect(again.orderId === order.orderId, 'a retry with the same key made another order');
    const cart = await expectStatus(call('GET', '/shopping/cart', undefined, buyer), 200, 'cart');
    expect(cart.items.length === 0, 'cart not emptied');
    await expectStatus(call('POST', '/shopping/orders', undefined, buyer), 409, 'order with an empty cart');
    orderId = order.orderId;
    return orderId;
  }, [CART]);

  await step('the order is CONFIRMED, in shopping and in the customer history; stock taken once', async () => {
    expect((await finalStatus(buyer, orderId)) === 'CONFIRMED', 'order not confirmed');
    await settle('customer history shows CONFIRMED', async () => {
      const res = await call('GET', '/customer/orders', undefined, buyer);
      return res.body?.find?.((x: Json) => x.orderId === orderId && x.status === 'CONFIRMED');
    });
    const stock = await stockOf(products.tea.id);
    expect(stock === 3, `stock ${stock}, expected 3`);
    return 'stock 5 -> 3';
  }, [ORDER]);

  await step('out of stock: REJECTED, stock unchanged', async () => {
    const other = await newCustomer();
    await putInCart(other, products.rare.id, 2);
    const order = await expectStatus(call('POST', '/shopping/orders', undefined, other), 202, 'place order');
    expect((await finalStatus(other, order.orderId)) === 'REJECTED', 'order not rejected');
    const stock = await stockOf(products.rare.id);
    expect(stock === 1, `stock ${stock}, expected 1`);
    return undefined;
  }, [ADMIN]);

  await step(`${o.buyers} concurrent buyers, ${products.hot?.stock ?? '?'} in stock: exactly that many CONFIRMED`, async () => {
    const k = products.hot.stock as number;
    const buyers = await Promise.all(Array.from({ length: o.buyers }, () => newCustomer()));
    await Promise.all(buyers.map((b) => putInCart(b, products.hot.id, 1)));
    const orders = await Promise.all(
      buyers.map((b) => expectStatus(call('POST', '/shopping/orders', undefined, b), 202, 'place order')),
    );
    const statuses = await Promise.all(orders.map((order, i) => finalStatus(buyers[i] as string, order.orderId)));
    const confirmed = statuses.filter((s) => s === 'CONFIRMED').length;
    expect(confirmed === k, `${confirmed} confirmed, expected ${k}`);
    const stock = await stockOf(products.hot.id);
    expect(stock === 0, `stock ${stock}, expected 0`);
    return `${confirmed} CONFIRMED, ${o.buyers - confirmed} REJECTED, stock 0`;
  }, [ADMIN]);

  await step('bad input and bad tokens are refused', async () => {
    await expectStatus(
      call('POST', '/customer/signup', { email: { $gt: '' }, password: 'x' }),
      400,
      'operator injection',
    );
    await expectStatus(call('GET', '/shopping/cart', undefined, 'forged.token.value'), 401, 'forged token');
    await expectStatus(call('POST', '/products', { name: 'x' }, buyer), 403, 'customer creating a product');
    return undefined;
  }, [CART]);

  o.log(failures === 0 ? `PASS in ${Date.now() - started} ms` : `FAIL: ${failures} step(s) failed`);
  return failures === 0;
}

if (isMain(import.meta)) {
  const { values } = parseArgs({
    options: {
      'base-url': { type: 'string', default: process.env.SMOKE_BASE_URL ?? 'http://127.0.0.1:8080' },
      'admin-email': { type: 'string', default: process.env.SMOKE_ADMIN_EMAIL ?? 'smoke-admin@example.com' },
      'admin-password': { type: 'string', default: process.env.SMOKE_ADMIN_PASSWORD ?? 'smoke-admin-password' },
      buyers: { type: 'string', default: '6' },
      'settle-ms': { type: 'string', default: '30000' },
    },
  });
  const ok = await runSmoke({
    baseUrl: values['base-url'],
    adminEmail: values['admin-email'],
    adminPassword: values['admin-password'],
    buyers: Number(values.buyers),
    settleMs: Number(values['settle-ms']),
    log: (line) => process.stdout.write(`${line}\n`),
  }).catch((err: unknown) => {
    process.stdout.write(`FAIL: ${err instanceof Error ? err.message : String(err)}\n`);
    return false;
  });
  process.exit(ok ? 0 : 1);
}
