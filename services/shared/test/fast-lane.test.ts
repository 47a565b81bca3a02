import { afterAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { localServer } from '../../../test/local-server.ts';
import { rawConnection, rawGet } from '../../../test/raw-http.ts';
import { type Route, route } from '../src/api.ts';
import { createTokens } from '../src/auth.ts';
import { createFastLane } from '../src/fast-lane.ts';
import { createServiceApp } from '../src/http.ts';
import { uuidv7 } from '../src/ids.ts';
import { createLogger } from '../src/log.ts';
import { createGateway, gatewayFastLane } from '../src/platform.ts';

/**
 * The fast lane over real sockets: what it answers must be what the app answers (status, body,
 * headers, access log line), and everything it is not sure of must reach the app.
 */
const tokens = await createTokens('x'.repeat(40), 60);
const logLines: Record<string, unknown>[] = [];
const logger = createLogger({ level: 'info', write: (line) => logLines.push(JSON.parse(line)) });
/** What the service holds in memory; `inMemory` off: fromMemory has nothing, the handler answers. */
const items = new Map<string, { id: string; name: string; stock: number }>();
let inMemory = true;
let handled = 0;

const routes: Route[] = [
  route({
    method: 'get',
    path: '/items/:id',
    summary: 'one item',
    params: z.object({ id: z.uuid() }),
    responses: { 200: { description: 'the item' } },
    fromMemory: ({ id }) => (inMemory ? items.get(id) : undefined),
    handler: (c, { params }) => {
      handled++;
      const item = items.get(params.id);
      return item ? c.json(item) : c.json({ error: { code: 'NOT_FOUND', message: 'no such item' } }, 404);
    },
  }),
  route({
    method: 'get',
    path: '/names/all',
    summary: 'every name (static, registered before /names/:name as it must be)',
    responses: { 200: { description: 'all' } },
    handler: (c) => {
      handled++;
      return c.json({ all: true });
    },
  }),
  route({
    method: 'get',
    path: '/names/:name',
    summary: 'a name, any string',
    params: z.object({ name: z.string().min(1) }),
    responses: { 200: { description: 'the name' } },
    fromMemory: ({ name }) => ({ name, from: 'memory' }),
    handler: (c, { params }) => {
      handled++;
      return c.json({ name: params.name, from: 'memory' });
    },
  }),
  route({
    method: 'get',
    path: '/:key',
    summary: 'a key at the top, beside the built-in /health',
    params: z.object({ key: z.string() }),
    responses: { 200: { description: 'the key' } },
    fromMemory: ({ key }) => ({ key }),
    handler: (c, { params }) => c.json({ key: params.key }),
  }),
];
const options = { service: 'things', logger, routes, basePath: '/pr-7' };
const app = createServiceApp({
  ...options,
  tokens,
  bodyLimitBytes: 1024,
  readiness: async () => ({ store: true }),
  info: { title: 'things', version: '1' },
});
const lane = createFastLane({ ...options, tracing: false });
const { port, drain, close } = await localServer(createGateway({ things: app.fetch }), {
  fast: gatewayFastLane({ things: lane }),
});
afterAll(close);

/** One request on a fresh connection, and how many times the app's handlers ran for it. */
async function ask(request: string) {
  const conn = await rawConnection(port);
  const before = handled;
  conn.send(request);
  const answer = await conn.answer();
  conn.close();
  return { ...answer, byApp: handled - before };
}
const get = (path: string, headers = '') => ask(rawGet(path, headers));

const apple = { id: uuidv7(), name: 'apple', stock: 3 };
items.set(apple.id, apple);

describe('the fast lane', () => {
  it('answers what the app answers: status, body, headers and access log line', async () => {
    logLines.length = 0;
    const fast = await get(`/things/items/${apple.id}`);
    inMemory = false;
    const slow = await get(`/things/items/${apple.id}`);
    inMemory = true;
    expect([fast.byApp, slow.byApp]).toEqual([0, 1]);
    expect(fast.status).toBe(200);
    expect(fast.body).toBe(slow.body);
    expect(JSON.parse(fast.body)).toEqual(apple);
    const comparable = (h: Record<string, string>) => {
      const { date: _d, 'x-request-id': id, ...rest } = h;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      return rest;
    };
    expect(comparable(fast.headers)).toEqual(comparable(slow.headers));
    const lines = logLines.filter((l) => l.msg === 'request');
    expect(lines).toHaveLength(2);
    const shape = ({ time: _t, ms, requestId, ...rest }: Record<string, unknown>) => {
      expect(typeof ms).toBe('number');
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      return rest;
    };
    expect(shape(lines[0] as Record<string, unknown>)).toEqual(shape(lines[1] as Record<string, unknown>));
    expect(lines[0]).toMatchObject({ requestId: fast.headers['x-request-id'], path: `/things/items/${apple.id}` });
  });

  it("keeps the caller's request id when it is a sane one, replaces it when not", async () => {
    expect((await get(`/things/items/${apple.id}`, 'x-request-id: abc-123\r\n')).headers['x-request-id']).toBe(
      'abc-123',
    );
    const odd = await get(`/things/items/${apple.id}`, 'x-request-id: no spaces please\r\n');
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(odd.byApp).toBe(0);
  });

  it('serves the route under every path the app serves it: prefixed, bare, under BASE_PATH', async () => {
    const answer = await get(`/things/items/${apple.id}`);
    expect([answer.status, answer.byApp, JSON.parse(answer.body)]).toEqual([200, 0, apple]);
    // a service's own server (no gateway, as on ECS) serves its routes without the prefix and
    // under BASE_PATH too (a preview's /pr-7)
    const bare = await localServer(app.fetch, { fast: lane });
    try {
      for (const path of [`/items/${apple.id}`, `/pr-7/things/items/${apple.id}`, `/things/items/${apple.id}`]) {
        const conn = await rawConnection(bare.port);
        const before = handled;
        conn.send(rawGet(path));
        const answer = await conn.answer();
        conn.close();
        expect([path, answer.status, handled - before, JSON.parse(answer.body)]).toEqual([path, 200, 0, apple]);
      }
    } finally {
      bare.close();
    }
  });

  it('leaves to the app whatever it is not sure of', async () => {
    const id = apple.id;
    // [what, request, status, handler runs]: the app's validation and built-in routes run no handler
    const cases: Array<[string, string, number, number]> = [
      ['a query string', rawGet(`/things/items/${id}?fields=name`), 200, 1],
      // the same id with a `-` encoded: the app decodes it and its handler answers
      ['an encoded character', rawGet(`/things/items/${id.replace('-', '%2D')}`), 200, 1],
      ['a trailing slash', rawGet(`/things/items/${id}/`), 200, 1],
      ['HEAD', `HEAD /things/items/${id} HTTP/1.1\r\nHost: x\r\n\r\n`, 200, 1],
      ['a body on a GET', `GET /things/items/${id} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`, 200, 1],
      ['parameters the schema refuses', rawGet('/things/items/not-a-uuid'), 400, 0],
      ['nothing in memory (unknown id: the handler says 404)', rawGet(`/things/items/${uuidv7()}`), 404, 1],
      ['a static path beside the parameter', rawGet('/things/names/all'), 200, 1],
      ['a built-in path beside /:key', rawGet('/things/health'), 200, 0],
    ];
    for (const [what, request, status, byApp] of cases) {
      const answer = await ask(request);
      expect({ what, status: answer.status, byApp: answer.byApp }).toEqual({ what, status, byApp });
    }
    expect(JSON.parse((await get('/things/names/all')).body)).toEqual({ all: true });
    expect(JSON.parse((await get('/things/names/ann')).body)).toEqual({ name: 'ann', from: 'memory' });
    expect(JSON.parse((await get('/things/health')).body)).toMatchObject({ status: 'ok' });
    expect(JSON.parse((await get('/things/k1')).body)).toEqual({ key: 'k1' });
  });

  it('is off with tracing (each request gets its span in the app) and for services without fromMemory', () => {
    expect(createFastLane({ ...options, tracing: true })).toBeUndefined();
    expect(createFastLane({ ...options, routes: routes.filter((r) => !r.fromMemory), tracing: false })).toBeUndefined();
    expect(gatewayFastLane({ a: undefined })).toBeUndefined();
  });

  it('refuses fromMemory on routes that are not public GETs, at start', () => {
    const guarded = route({ ...routes[0], auth: 'user' } as Route);
    expect(() => createFastLane({ ...options, routes: [guarded], tracing: false })).toThrow(/public GETs only/);
    const post = route({ ...routes[0], method: 'post' } as Route);
    expect(() => createFastLane({ ...options, routes: [post], tracing: false })).toThrow(/public GETs only/);
  });

  it('while the server drains, requests go through the app, which closes their connections', async () => {
    drain();
    const answer = await get(`/things/items/${apple.id}`);
    expect([answer.status, answer.byApp, answer.headers.connection]).toEqual([200, 1, 'close']);
  });
});
