import { createTokens } from '@platform/shared/auth';
import { createEvent } from '@platform/shared/events';
import { uuidv7 } from '@platform/shared/ids';
import { silentLogger } from '@platform/shared/log';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCustomerApp } from '../src/app.ts';
import { orderHistoryHandler } from '../src/history.ts';
import { OWASP_SCRYPT, verifyPassword } from '../src/passwords.ts';
import { MemoryCustomerStore, MemoryOrderHistory } from '../src/store-memory.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;
const tokens = await createTokens('customer-test-secret-0123456789abcdef', 600);
const cheap = { N: 1024, r: 8, p: 1 };

let store: MemoryCustomerStore;
let history: MemoryOrderHistory;
let app: ReturnType<typeof createCustomerApp>;
beforeEach(() => {
  store = new MemoryCustomerStore();
  history = new MemoryOrderHistory();
  app = createCustomerApp({
    store,
    history,
    tokens,
    logger: silentLogger,
    adminEmails: ['boss@example.com'],
    bodyLimitBytes: 16 * 1024,
    readiness: async () => ({ store: true }),
    scrypt: cheap,
  });
});

const json = (method: string, path: string, body?: unknown, token?: string) =>
  app.request(path, {
    method,
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });

async function signup(email = 'ann@example.com', password = 'correct horse') {
  const res = await json('POST', '/customer/signup', { email, password });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; email: string; token: string };
}

describe('customer API', () => {
  it('signs up (email normalised), then logs in with the same password', async () => {
    const res = await json('POST', '/customer/signup', {
      email: 'Ann@Example.COM',
      password: 'correct horse',
      phone: '+49 30 123456',
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({ email: 'ann@example.com' });
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await tokens.verify(body.token)).id).toBe(body.id);
    const login = await json('POST', '/customer/login', { email: 'ANN@example.com', password: 'correct horse' });
    expect(login.status).toBe(200);
    expect((await tokens.verify(((await login.json()) as Json).token)).email).toBe('ann@example.com');
  });

  it('stores a salted scrypt hash, never the password', async () => {
    const { id } = await signup();
    const saved = await store.findById(id);
    expect(saved?.passwordHash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(JSON.stringify(saved)).not.toContain('correct horse');
    expect(await verifyPassword('correct horse', saved?.passwordHash ?? '')).toBe(true);
    expect(await verifyPassword('wrong horse!', saved?.passwordHash ?? '')).toBe(false);
  });

  it('409 for an email already taken, in any letter case', async () => {
    await signup();
    const res = await json('POST', '/customer/signup', { email: 'ANN@example.com', password: 'another pass' });
    expect(res.status).toBe(409);
    expect(((await res.json()) as Json).error.code).toBe('CONFLICT');
  });

  it('login answers the same for an unknown email and a wrong password', async () => {
    await signup();
    const wrong = await json('POST', '/customer/login', { email: 'ann@example.com', password: 'nope nope' });
    const unknown = await json('POST', '/customer/login', { email: 'who@example.com', password: 'nope nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.text()).toBe(await unknown.text());
  });

  it('rejects bad sign-ups with 400 naming the fields', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ email: 'not-an-email', password: 'long enough' }, ['body.email']],
      [{ email: ' ann@example.com', password: 'long enough' }, ['body.email']],
      [{ email: 'a@b.co', password: 'short' }, ['body.password']],
      [{ email: { $gt: '' }, password: { $ne: null } }, ['body.email', 'body.password']],
      [{ email: 'a@b.co', password: 'long enough', role: 'admin' }, ['body.role']],
      [{ email: 'a@b.co', password: 'long enough', phone: 'call me' }, ['body.phone']],
    ];
    for (const [body, fields] of cases) {
      const res = await json('POST', '/signup', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const paths = ((await res.json()) as Json).error.details.map((d: { path: string }) => d.path);
      expect(paths).toEqual(expect.arrayContaining(fields));
    }
    expect((await json('POST', '/signup', '{"email":')).status).toBe(400);
    expect(await store.findByEmail('a@b.co')).toBeNull();
  });

  it('login with operator injection is a 400, not a lookup', async () => {
    await signup();
    const res = await json('POST', '/customer/login', { email: { $gt: '' }, password: 'x' });
    expect(res.status).toBe(400);
  });

  it('gives role admin to emails listed in ADMIN_EMAILS, customer otherwise', async () => {
    const boss = await signup('Boss@Example.com', 'very secret');
    expect((await tokens.verify(boss.token)).role).toBe('admin');
    const ann = await signup();
    expect((await tokens.verify(ann.token)).role).toBe('customer');
  });

  it('profile, addresses and wishlist need a valid token', async () => {
    for (const [method, path] of [
      ['GET', '/customer/profile'],
      ['POST', '/customer/addresses'],
      ['GET', '/customer/wishlist'],
      ['PUT', `/customer/wishlist/${uuidv7()}`],
      ['GET', '/customer/orders'],
    ] as const) {
      const body = method === 'GET' ? undefined : {};
      expect((await json(method, path, body)).status, path).toBe(401);
      expect((await json(method, path, body, 'abc.def.ghi')).status, path).toBe(401);
    }
  });

  it('profile shows addresses and the wishlist; wishlist add/remove are idempotent', async () => {
    const { id, token } = await signup();
    const address = { street: 'Main St 1', postalCode: '10115', city: 'Berlin', country: 'de' };
    const added = await json('POST', '/customer/addresses', address, token);
    expect(added.status).toBe(201);
    const saved = (await added.json()) as Json;
    expect(saved).toMatchObject({ ...address, country: 'DE' });
    expect(saved.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await json('POST', '/customer/addresses', { ...address, country: 'Germany' }, token)).status).toBe(400);

    const [p1, p2] = [uuidv7(), uuidv7()];
    for (const p of [p1, p1, p2])
      expect((await json('PUT', `/customer/wishlist/${p}`, undefined, token)).status).toBe(204);
    expect((await json('DELETE', `/customer/wishlist/${p2}`, undefined, token)).status).toBe(204);
    expect((await json('DELETE', `/customer/wishlist/${p2}`, undefined, token)).status).toBe(204);
    expect((await json('PUT', '/customer/wishlist/not-a-uuid', undefined, token)).status).toBe(400);
    expect(await (await json('GET', '/customer/wishlist', undefined, token)).json()).toEqual([p1]);

    const profile = (await (await json('GET', '/customer/profile', undefined, token)).json()) as Json;
    expect(profile).toEqual({
      id,
      email: 'ann@example.com',
      phone: null,
      role: 'customer',
      addresses: [saved],
      wishlist: [p1],
    });
    expect(JSON.stringify(profile)).not.toContain('scrypt');
  });

  it('shows the order history built from order events, own orders only', async () => {
    const ann = await signup();
    const bob = await signup('bob@example.com', 'bobs password');
    const handle = orderHistoryHandler(history);
    const orderId = uuidv7();
    const items = [{ productId: uuidv7(), name: 'Coffee', unitPriceCents: 450, qty: 2 }];
    await handle(
      createEvent(
        'order.placed',
        { orderId, customerId: ann.id, items, totalCents: 900, placedAt: new Date().toISOString() },
        'shopping',
      ),
    );
    let orders = (await (await json('GET', '/customer/orders', undefined, ann.token)).json()) as Json;
    expect(orders).toEqual([expect.objectContaining({ orderId, status: 'PENDING', totalCents: 900, items })]);
    await handle(createEvent('order.confirmed', { orderId, customerId: ann.id, totalCents: 900 }, 'shopping'));
    orders = (await (await json('GET', '/customer/orders', undefined, ann.token)).json()) as Json;
    expect(orders[0].status).toBe('CONFIRMED');
    expect(orders[0]).not.toHaveProperty('customerId');
    expect(await (await json('GET', '/customer/orders', undefined, bob.token)).json()).toEqual([]);
  });

  it('production hashing uses OWASP parameters (N=2^17, r=8, p=1)', () => {
    expect(OWASP_SCRYPT).toEqual({ N: 131072, r: 8, p: 1 });
  });
});
