import { afterAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { localServer } from '../../../test/local-server.ts';
import { rawConnection, rawGet, rawPost } from '../../../test/raw-http.ts';
import { route } from '../src/api.ts';
import { createTokens } from '../src/auth.ts';
import { createServiceApp } from '../src/http.ts';
import { createLogger } from '../src/log.ts';
import { createGateway } from '../src/platform.ts';

/**
 * What a hostile or broken client can do to a service over a real socket: trickle a body, send
 * more than allowed, abort, flood a user's writes, open too many connections. Raw sockets, so
 * that the test sees exactly what goes over the wire (connection reuse included).
 */
const tokens = await createTokens('x'.repeat(40), 60);
const logLines: string[] = [];
let handled = 0;
const app = createServiceApp({
  service: 'things',
  logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
  tokens,
  bodyLimitBytes: 1024,
  bodyTimeoutMs: 300,
  maxInFlight: 4,
  userWritesPerSecond: 2,
  readiness: async () => ({ store: true }),
  info: { title: 'things', version: '1' },
  routes: [
    route({
      method: 'post',
      path: '/things',
      summary: 'create (anyone)',
      body: z.strictObject({ name: z.string() }),
      responses: { 201: { description: 'created' } },
      handler: (c, { body }) => {
        handled++;
        return c.json({ name: body.name }, 201);
      },
    }),
    route({
      method: 'post',
      path: '/mine',
      summary: 'create (signed in)',
      auth: 'user',
      body: z.strictObject({ name: z.string() }),
      responses: { 201: { description: 'created' } },
      handler: (c, { body }) => c.json({ name: body.name }, 201),
    }),
  ],
});
const gateway = createGateway({ things: app.fetch });
const { port, close } = await localServer(gateway, { maxConnections: 16 });
afterAll(close);

const connect = () => rawConnection(port);
const post = rawPost;
const get = rawGet;

describe('served by Node, under abuse', () => {
  it('a normal request keeps its connection for the next one', async () => {
    const conn = await connect();
    conn.send(post('/things/things', '{"name":"a"}'));
    expect((await conn.answer()).status).toBe(201);
    conn.send(get('/things/health'));
    const health = await conn.answer();
    expect([health.status, health.headers.connection]).toEqual([200, 'keep-alive']);
    conn.close();
  });

  it('413 for a declared length over the limit, answered at once and the connection closed', async () => {
    const conn = await connect();
    conn.send(`POST /things/things HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{"name":`);
    const answer = await conn.answer();
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await conn.isClosed()).toBe(true);
  });

  it('413 for a chunked body that grows past the limit; the client reconnects cleanly', async () => {
    const conn = await connect();
    const chunk = 'x'.repeat(600);
    conn.send(`POST /things/things HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`);
    conn.send(`${chunk.length.toString(16)}\r\n${chunk}\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const answer = await conn.answer();
    expect([answer.status, answer.headers.connection]).toEqual([413, 'close']);
    expect(await conn.isClosed()).toBe(true);
    const next = await connect();
    next.send(post('/things/things', '{"name":"b"}'));
    expect((await next.answer()).status).toBe(201);
    next.close();
  });

  it('a body that trickles in gets 408 after the deadline, without taking a slot meanwhile', async () => {
    const slow = await Promise.all(Array.from({ length: 8 }, () => connect()));
    for (const conn of slow) conn.send(`POST /things/things HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{"na`);
    // eight bodies pending, twice the slots (4): others are still served meanwhile
    const meanwhile = await connect();
    for (let i = 0; i < 3; i++) {
      meanwhile.send(post('/things/things', '{"name":"c"}'));
      expect((await meanwhile.answer()).status).toBe(201);
    }
    for (const conn of slow) {
      const answer = await conn.answer();
      expect([answer.status, answer.headers.connection]).toEqual([408, 'close']);
      expect(JSON.parse(answer.body).error.code).toBe('REQUEST_TIMEOUT');
    }
    meanwhile.close();
  });

  it('a route that needs a user answers 401 before reading any body, and closes', async () => {
    const conn = await connect();
    const before = handled;
    conn.send(`POST /things/mine HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"nam`);
    const answer = await conn.answer();
    expect([answer.status, answer.headers.connection]).toEqual([401, 'close']);
    expect(await conn.isClosed()).toBe(true);
    expect(handled).toBe(before);
  });

  it('unknown routes: a small unread body is drained and the connection kept; a large one closes it', async () => {
    for (const path of ['/nowhere', '/things/nothing']) {
      const conn = await connect();
      conn.send(post(path, '{"a":1}'));
      const small = await conn.answer();
      expect([small.status, small.headers.connection], path).toEqual([404, 'keep-alive']);
      expect(small.headers['x-request-id'], path).toMatch(/^[0-9a-f-]{36}$/);
      conn.send(get('/things/health'));
      expect((await conn.answer()).status, path).toBe(200);
      conn.send(post(path, 'x'.repeat(20_000)));
      const large = await conn.answer();
      expect([large.status, large.headers.connection], path).toEqual([404, 'close']);
      expect(await conn.isClosed(), path).toBe(true);
    }
  });

  it('a client that aborts its upload is logged as 499 at debug level, never as an error', async () => {
    logLines.length = 0;
    const conn = await connect();
    conn.send(`POST /things/things HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"name":"`);
    await new Promise((r) => setTimeout(r, 50));
    conn.close();
    await new Promise((r) => setTimeout(r, 200));
    const entries = logLines.map((l) => JSON.parse(l));
    expect(entries.filter((e) => e.level === 'error')).toEqual([]);
    expect(entries.find((e) => e.msg === 'request')).toMatchObject({ status: 499, level: 'debug' });
  });

  it("a signed-in user's writes are rate limited: 429 with Retry-After, others unaffected", async () => {
    const ann = await tokens.issue({ id: 'ann', email: 'ann@x.y', role: 'customer' });
    const bob = await tokens.issue({ id: 'bob', email: 'bob@x.y', role: 'customer' });
    const conn = await connect();
    const statuses: number[] = [];
    let retryAfter = '';
    for (let i = 0; i < 14; i++) {
      conn.send(post('/things/mine', '{"name":"x"}', `Authorization: Bearer ${ann}\r\n`));
      const answer = await conn.answer();
      statuses.push(answer.status);
      if (answer.status === 429) retryAfter = answer.headers['retry-after'] ?? '';
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(201)); // 5 s worth at 2/s
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    conn.send(post('/things/mine', '{"name":"x"}', `Authorization: Bearer ${bob}\r\n`));
    expect((await conn.answer()).status).toBe(201);
    conn.close();
  });

  it('past the connection cap, new connections get 503 + Retry-After and are closed', async () => {
    const held = await Promise.all(Array.from({ length: 16 }, () => connect()));
    const extra = await connect();
    extra.send(get('/things/health'));
    const answer = await extra.answer();
    expect([answer.status, answer.headers['retry-after'], answer.headers.connection]).toEqual([503, '1', 'close']);
    for (const conn of held) conn.close();
    await new Promise((r) => setTimeout(r, 100));
    const later = await connect();
    later.send(get('/things/health'));
    expect((await later.answer()).status).toBe(200);
    later.close();
  });

  it('validation errors stay small however many problems the body has', async () => {
    const keys = Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`k${i}`, 1]));
    const body = JSON.stringify(keys);
    const res = await app.request('/things', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    // the body limit is 1 KiB in this app; a larger app limit is exercised below
    expect(res.status).toBe(413);
    const roomy = createServiceApp({
      service: 'roomy',
      logger: createLogger({ level: 'silent' }),
      tokens,
      bodyLimitBytes: 1024 * 1024,
      readiness: async () => ({}),
      info: { title: 'roomy', version: '1' },
      routes: [
        route({
          method: 'post',
          path: '/x',
          summary: 'x',
          body: z.strictObject({ name: z.string() }),
          responses: { 200: { description: 'ok' } },
          handler: (c) => c.json({}),
        }),
      ],
    });
    const answer = await roomy.request('/x', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(400);
    const text = await answer.text();
    expect(text.length).toBeLessThan(body.length / 10);
    const error = JSON.parse(text).error;
    expect(error.details).toHaveLength(20);
    expect(error.message).toMatch(/6001 problems, the first 20 listed/);
  });
});
