import type { DomainEvent } from '@platform/shared/events';
import type { FastLane } from '@platform/shared/fast-lane';
import { uuidv7 } from '@platform/shared/ids';
import { type TestService, testService } from '@platform/shared/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { localServer } from '../../../test/local-server.ts';
import products from '../src/service.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

let service: TestService<unknown>;
let admin: string;
let customer: string;
let published: DomainEvent[];
beforeEach(async () => {
  service = await testService(products, { env: { ADMIN_EMAILS: 'boss@example.com' } });
  admin = await service.tokenFor({ id: uuidv7(), email: 'boss@example.com', role: 'admin' });
  customer = await service.tokenFor({ id: uuidv7(), email: 'ann@example.com' });
  published = service.bus.published;
});

const call = (method: string, path: string, body?: unknown, token?: string) =>
  service.request(method, path, { body, ...(token && { token }) });

const apple = {
  name: 'Apple',
  description: 'Crisp',
  category: 'fruit',
  unit: 'kg',
  priceCents: 299,
  stock: 10,
  supplier: 'Orchard',
};

async function create(over: Partial<typeof apple> = {}) {
  const res = await call('POST', '/products', { ...apple, ...over }, admin);
  expect(res.status).toBe(201);
  return (await res.json()) as Json;
}

describe('products API', () => {
  it('admin creates a product: version 1, product.changed published', async () => {
    const p = await create();
    expect(p).toMatchObject({ ...apple, version: 1 });
    expect(p.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await (await call('GET', `/products/${p.id}`)).json()).toEqual(p);
    await service.settled();
    expect(published).toEqual([
      expect.objectContaining({
        type: 'product.changed',
        source: 'products',
        data: expect.objectContaining({ productId: p.id, version: 1, priceCents: 299 }),
      }),
    ]);
  });

  it('only admins write: 401 without a token, 403 for a customer', async () => {
    expect((await call('POST', '/products', apple)).status).toBe(401);
    expect((await call('POST', '/products', apple, customer)).status).toBe(403);
    const p = await create();
    expect((await call('PATCH', `/products/${p.id}`, { priceCents: 1 }, customer)).status).toBe(403);
  });

  it('PATCH bumps the version on every change and publishes each version', async () => {
    const p = await create();
    const r1 = await call('PATCH', `/products/${p.id}`, { priceCents: 349 }, admin);
    expect(r1.status).toBe(200);
    expect(await r1.json()).toMatchObject({ priceCents: 349, version: 2, name: 'Apple', stock: 10 });
    const r2 = (await (await call('PATCH', `/products/${p.id}`, { stock: 25, supplier: null }, admin)).json()) as Json;
    expect(r2).toMatchObject({ version: 3, stock: 25, supplier: null, priceCents: 349 });
    await service.settled();
    expect(published.map((e) => (e.type === 'product.changed' ? e.data.version : 0))).toEqual([1, 2, 3]);
  });

  it('PATCH: 404 for an unknown id, 400 for an empty or bad patch', async () => {
    expect((await call('PATCH', `/products/${uuidv7()}`, { priceCents: 1 }, admin)).status).toBe(404);
    const p = await create();
    for (const body of [{}, { priceCents: -1 }, { priceCents: 1.5 }, { stock: '3' }, { version: 9 }, { name: '' }]) {
      const res = await call('PATCH', `/products/${p.id}`, body, admin);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(((await (await call('GET', `/products/${p.id}`)).json()) as Json).version).toBe(1);
  });

  it('rejects bad products with 400 naming the fields; nothing is written', async () => {
    const res = await call(
      'POST',
      '/products',
      { ...apple, priceCents: '2.99', stock: -1, colour: 'red', category: 'Fruit & Veg' },
      admin,
    );
    expect(res.status).toBe(400);
    const paths = ((await res.json()) as Json).error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['body.priceCents', 'body.stock', 'body.colour', 'body.category']));
    expect(((await (await call('GET', '/products')).json()) as Json).items).toEqual([]);
  });

  it('a product page answered from memory (the fast lane) is the one the handler gives', async () => {
    const lane = service.fast as FastLane;
    expect(lane).toBeDefined();
    let fromMemory = 0;
    const { url, close } = await localServer(service.fetch, {
      fast: (req, res) => lane(req, res) && ++fromMemory > 0,
    });
    try {
      const p = await create();
      const both = async (id: string) => {
        const served = await fetch(`${url}/products/${id}`);
        const handled = await call('GET', `/products/${id}`);
        return { served: [served.status, await served.text()], handled: [handled.status, await handled.text()] };
      };
      for (const change of [undefined, { priceCents: 349 }, { stock: 4 }, { supplier: null }]) {
        if (change) expect((await call('PATCH', `/products/${p.id}`, change, admin)).status).toBe(200);
        const before = fromMemory;
        const { served, handled } = await both(p.id);
        expect(served).toEqual(handled);
        expect(fromMemory).toBe(before + 1);
      }
      expect(JSON.parse((await both(p.id)).served[1] as string)).toMatchObject({
        stock: 4,
        priceCents: 349,
        version: 4,
      });
      const unknown = await both(uuidv7());
      expect(unknown.served).toEqual(unknown.handled);
      expect(unknown.served[0]).toBe(404);
    } finally {
      close();
    }
  });

  it('GET: 400 for a malformed id, 404 for an unknown one', async () => {
    expect((await call('GET', '/products/123')).status).toBe(400);
    expect((await call('GET', `/products/${uuidv7()}`)).status).toBe(404);
  });

  it('pages through the catalog with a cursor and filters by category', async () => {
    const fruit = [];
    for (let i = 0; i < 5; i++) fruit.push(await create({ name: `Fruit ${i}` }));
    await create({ name: 'Kale', category: 'vegetables' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?category=fruit&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await call('GET', `/products${query}`)).json()) as Json;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((p: { id: string }) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(fruit.map((p) => p.id));
    const all = (await (await call('GET', '/products?limit=100')).json()) as Json;
    expect(all.items).toHaveLength(6);
    expect(all.nextCursor).toBeNull();
    for (const bad of ['?limit=0', '?limit=101', '?limit=abc', '?cursor=garbage', '?sort=name', '?category=Fruit']) {
      expect((await call('GET', `/products${bad}`)).status, bad).toBe(400);
    }
  });

  it('looks up many ids, in the order asked, leaving out unknown ones', async () => {
    const [a, b] = [await create({ name: 'A' }), await create({ name: 'B' })];
    const res = await call('POST', '/products/lookup', { ids: [b.id, uuidv7(), a.id, b.id] });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Json).map((p: { name: string }) => p.name)).toEqual(['B', 'A']);
    expect((await call('POST', '/products/lookup', { ids: [] })).status).toBe(400);
    expect((await call('POST', '/products/lookup', { ids: ['x'] })).status).toBe(400);
    expect((await call('POST', '/products/lookup', { ids: { $in: [a.id] } })).status).toBe(400);
  });
});
