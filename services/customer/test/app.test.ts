import { createEvent } from '@platform/shared/events';
import { uuidv7 } from '@platform/shared/ids';
import { type TestService, testService } from '@platform/shared/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { LoginGuard } from '../src/login-guard.ts';
import { OWASP_SCRYPT, PasswordHasher } from '../src/passwords.ts';
import type { CustomerStores } from '../src/ports.ts';
import customer from '../src/service.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;
const cheap = { N: 1024, r: 8, p: 1 };

/** Counts the hashes it computes. */
class CountingHasher extends PasswordHasher {
  computed = 0;
  override async hash(password: string) {
    this.computed++;
    return super.hash(password);
  }
  override async verify(password: string, stored: string) {
    this.computed++;
    return super.verify(password, stored);
  }
}

let service: TestService<CustomerStores>;
let hasher: CountingHasher;
const tokens = { verify: (token: string) => service.verifyToken(token) };
/**
 * The service as behind the ALB (the client's address is the last X-Forwarded-For entry), with a
 * cheap hasher; `stores` keeps the data of a previous start, as a redeployment would.
 */
const start = async (o: { adminEmails?: string; hasher?: PasswordHasher; stores?: CustomerStores } = {}) =>
  testService(customer, {
    env: { ADMIN_EMAILS: o.adminEmails ?? 'boss@example.com', TRUSTED_PROXY_HOPS: '1' },
    deps: { hasher: o.hasher ?? hasher, guard: new LoginGuard() },
    ...(o.stores && { stores: o.stores }),
  }) as Promise<TestService<CustomerStores>>;
beforeEach(async () => {
  hasher = new CountingHasher({ params: cheap });
  service = await start();
});

const json = (method: string, path: string, body?: unknown, token?: string, from = '203.0.113.7') =>
  service.request(method, path, { body, headers: { 'x-forwarded-for': from }, ...(token && { token }) });
const login = (email: string, password: string, from?: string) =>
  json('POST', '/customer/login', { email, password }, undefined, from);

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
    const saved = await service.stores.customers.findById(id);
    expect(saved?.passwordHash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(JSON.stringify(saved)).not.toContain('correct horse');
    expect(await hasher.verify('correct horse', saved?.passwordHash ?? '')).toBe(true);
    expect(await hasher.verify('wrong horse!', saved?.passwordHash ?? '')).toBe(false);
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
    expect(await service.stores.customers.findByEmail('a@b.co')).toBeNull();
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

  it('roles follow ADMIN_EMAILS: an address taken off the list signs in as a customer', async () => {
    const boss = await signup('boss@example.com', 'very secret');
    expect((await tokens.verify(boss.token)).role).toBe('admin');
    service = await start({ adminEmails: '', stores: service.stores }); // redeployed without the address
    const res = await login('boss@example.com', 'very secret');
    expect((await tokens.verify(((await res.json()) as Json).token)).role).toBe('customer');
    expect((await service.stores.customers.findById(boss.id))?.role).toBe('customer');
    service = await start({ stores: service.stores }); // and back on it
    const again = await login('boss@example.com', 'very secret');
    expect((await tokens.verify(((await again.json()) as Json).token)).role).toBe('admin');
  });

  it('refuses common, blank, repetitive and email-like passwords, naming the rule', async () => {
    const cases: Array<[string, RegExp]> = [
      ['password', /most common/],
      ['Password2024!', /most common/],
      ['QWERTYUIOP', /most common/],
      ['        ', /at least 8/],
      ['   abc    ', /at least 8/],
      ['aaaaaaaaaaaa', /too few different/],
      ['abababab', /too few different/],
      ['annabel@example.com', /email/],
      ['ANNABEL', /at least 8/],
      ['annabelle', /most common|email/],
    ];
    for (const [password, rule] of cases) {
      const res = await json('POST', '/customer/signup', { email: 'annabel@example.com', password });
      expect(res.status, password).toBe(400);
      const body = (await res.json()) as Json;
      expect(body.error.details, password).toEqual([{ path: 'body.password', message: expect.stringMatching(rule) }]);
    }
    expect(await service.stores.customers.findByEmail('annabel@example.com')).toBeNull();
    const fine = await json('POST', '/customer/signup', { email: 'annabel@example.com', password: 'tr0ub4dor&3x' });
    expect(fine.status).toBe(201);
  });

  it('throttles guessing per account and address: 5 free failures, then 429 with Retry-After', async () => {
    await signup('ann@example.com', 'correct horse');
    for (let i = 0; i < 5; i++)
      expect((await login('ann@example.com', `guess ${i}!`, '198.51.100.9')).status).toBe(401);
    const computed = hasher.computed;
    const throttled = await login('ann@example.com', 'correct horse', '198.51.100.9');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await throttled.json()) as Json).error.code).toBe('TOO_MANY_REQUESTS');
    for (let i = 0; i < 20; i++) expect((await login('ann@example.com', 'guess', '198.51.100.9')).status).toBe(429);
    expect(hasher.computed).toBe(computed); // refused before any hashing
    // the owner, from elsewhere, is not locked out
    expect((await login('ann@example.com', 'correct horse', '192.0.2.44')).status).toBe(200);
  });

  it('a burst of concurrent guesses gets no more than the free attempts evaluated', async () => {
    await signup('ann@example.com', 'correct horse');
    const before = hasher.computed;
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login('ann@example.com', `guess ${i}!`, '198.51.100.9')),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
    expect(hasher.computed - before).toBe(5);
  });

  it('made-up emails cost no hashing once one password check has been timed', async () => {
    await signup('ann@example.com', 'correct horse');
    expect((await login('ann@example.com', 'correct horse')).status).toBe(200);
    const before = hasher.computed;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login(`nobody${i}@example.com`, 'whatever!', `198.51.100.${i}`)),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(401));
    expect(hasher.computed).toBe(before);
  });

  it('a full hashing queue answers 503 with Retry-After instead of queueing without bound', async () => {
    const tight = new PasswordHasher({ params: { N: 2 ** 14, r: 8, p: 1 }, concurrency: 1, maxWaiting: 1 });
    service = await start({ hasher: tight });
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        json(
          'POST',
          '/customer/signup',
          { email: `u${i}@example.com`, password: 'correct horse' },
          undefined,
          `192.0.2.${i}`,
        ),
      ),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 503, 503, 503, 503]);
    const busy = answers.find((r) => r.status === 503);
    expect(busy?.headers.get('retry-after')).toBe('1');
  });

  it('caps accounts created per address (10, then 429), never for local processes', async () => {
    for (let i = 0; i < 10; i++) await signup(`user${i}@example.com`, 'correct horse');
    const refused = await json('POST', '/customer/signup', {
      email: 'one-more@example.com',
      password: 'correct horse',
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(60);
    const other = await json(
      'POST',
      '/customer/signup',
      { email: 'one-more@example.com', password: 'correct horse' },
      undefined,
      '127.0.0.1',
    );
    expect(other.status).toBe(201);
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
    const handle = service.deliver;
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
