import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

import * as z from 'zod';
import { route } from '../src/api.ts';
import { createTokens } from '../src/auth.ts';
import { createServiceApp } from '../src/http.ts';
import { createLogger } from '../src/log.ts';
import { createTracing } from '../src/tracing.ts';

const tokens = await createTokens('x'.repeat(40), 60);
let ready = true;
const logLines: string[] = [];
const app = createServiceApp({
  service: 'things',
  logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
  tokens,
  bodyLimitBytes: 1024,
  readiness: async () => ({ store: ready, broker: true }),
  info: { title: 'things', version: '1' },
  routes: [
    route({
      method: 'post',
      path: '/things',
      summary: 'create',
      body: z.strictObject({ name: z.string().min(1), qty: z.number().int().min(1) }),
      responses: { 201: { description: 'created', schema: z.object({ name: z.string() }) } },
      handler: (c, { body }) => c.json({ name: body.name }, 201),
    }),
    route({
      method: 'get',
      path: '/things/:id',
      summary: 'get',
      params: z.object({ id: z.uuid() }),
      query: z.object({ verbose: z.enum(['yes', 'no']).optional() }),
      responses: { 200: { description: 'thing' } },
      handler: (c, { params, query }) => c.json({ id: params.id, verbose: query.verbose ?? 'no' }),
    }),
    route({
      method: 'get',
      path: '/admin',
      summary: 'admin only',
      auth: 'admin',
      responses: { 200: { description: 'ok' } },
      handler: (c, { user }) => c.json({ user: user.id }),
    }),
    route({
      method: 'get',
      path: '/db-down',
      summary: 'the store is unreachable',
      responses: { 200: { description: 'never' } },
      handler: () => {
        throw Object.assign(new Error('connection <monitor> to 10.0.0.1:27017 closed'), { name: 'MongoNetworkError' });
      },
    }),
    route({
      method: 'get',
      path: '/boom',
      summary: 'fails',
      responses: { 200: { description: 'never' } },
      handler: () => {
        throw new Error('database password is hunter2');
      },
    }),
  ],
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  app.request(path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('service app', () => {
  it('answers health and readiness, with and without the prefix', async () => {
    for (const path of ['/things/health', '/health']) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect((await res.json()) as Json).toEqual({ status: 'ok', service: 'things' });
    }
    expect((await app.request('/things/ready')).status).toBe(200);
    ready = false;
    const res = await app.request('/ready');
    expect(res.status).toBe(503);
    expect((await res.json()) as Json).toMatchObject({ status: 'unavailable', checks: { store: false, broker: true } });
    ready = true;
  });

  it('strips the prefix: /things/things and /things reach the same handler', async () => {
    const a = await post('/things/things', '{"name":"a","qty":1}');
    const b = await post('/things', '{"name":"a","qty":1}');
    expect([a.status, b.status]).toEqual([201, 201]);
  });

  it('400 names wrong types, missing and unknown fields', async () => {
    const res = await post('/things', '{"name":{"$gt":""},"extra":1}');
    expect(res.status).toBe(400);
    const body = (await res.json()) as Json;
    expect(body.error.code).toBe('VALIDATION_FAILED');
    const paths = body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['body.name', 'body.qty', 'body.extra']));
    expect(body.error.message).toContain('body.name');
  });

  it('400 for malformed JSON and for a missing body, whatever the content-type', async () => {
    const malformed = await post('/things', '{"name":', { 'content-type': 'text/plain' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as Json).error.message).toMatch(/not valid JSON/);
    expect((await post('/things', '')).status).toBe(400);
    expect((await post('/things', '[1,2]')).status).toBe(400);
  });

  it('413 for a body over the limit, with or without content-length', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2000), qty: 1 });
    const res = await post('/things', big);
    expect(res.status).toBe(413);
    expect(((await res.json()) as Json).error.code).toBe('PAYLOAD_TOO_LARGE');
    const chunked = await app.request('/things', {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('validates path and query parameters', async () => {
    expect((await app.request('/things/things/not-a-uuid')).status).toBe(400);
    const id = '0190d3a2-6b1e-7000-8000-000000000001';
    expect(await (await app.request(`/things/${id}?verbose=yes`)).json()).toEqual({ id, verbose: 'yes' });
    expect((await app.request(`/things/${id}?verbose=maybe`)).status).toBe(400);
  });

  it('401 without a token, 403 with the wrong role, 200 with the right one', async () => {
    expect((await app.request('/admin')).status).toBe(401);
    const customer = await tokens.issue({ id: 'c', email: 'c@x.y', role: 'customer' });
    const forbidden = await app.request('/admin', { headers: { authorization: `Bearer ${customer}` } });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as Json).error.code).toBe('FORBIDDEN');
    const admin = await tokens.issue({ id: 'a', email: 'a@x.y', role: 'admin' });
    expect((await app.request('/admin', { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
  });

  it('500 without a stack trace or the error message; 404 in the error shape', async () => {
    const res = await app.request('/boom');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('at ');
    expect(JSON.parse(text).error.code).toBe('INTERNAL');
    const missing = await app.request('/nope/nothing');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as Json).error.code).toBe('NOT_FOUND');
  });

  it('503 with Retry-After when the data store is unreachable', async () => {
    const res = await app.request('/db-down');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as Json).error.code).toBe('UNAVAILABLE');
  });

  it('405 with an Allow header for a known path and another method', async () => {
    const res = await app.request('/things/things', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(((await res.json()) as Json).error.code).toBe('METHOD_NOT_ALLOWED');
    const health = await app.request('/health', { method: 'POST' });
    expect([health.status, health.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('echoes a sane x-request-id and makes one up otherwise', async () => {
    expect((await app.request('/health', { headers: { 'x-request-id': 'abc-123' } })).headers.get('x-request-id')).toBe(
      'abc-123',
    );
    const made = (await app.request('/health', { headers: { 'x-request-id': 'bad id\n' } })).headers.get(
      'x-request-id',
    );
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs every request once, errors included, under the id the response carries', async () => {
    logLines.length = 0;
    const answers = [
      await post('/things', JSON.stringify({ name: 'a', qty: 1 })),
      await post('/things', JSON.stringify({ name: 'x'.repeat(2000), qty: 1 })),
      await post('/things', '{'),
      await app.request('/nowhere'),
      await app.request('/boom'),
    ];
    const access = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request');
    expect(access.map((entry) => entry.status)).toEqual([201, 413, 400, 404, 500]);
    expect(access.map((entry) => entry.requestId)).toEqual(answers.map((res) => res.headers.get('x-request-id')));
    expect(access.map((entry) => entry.path)).toEqual(['/things', '/things', '/things', '/nowhere', '/boom']);
  });

  it('served by Node: the same ids, on responses of every kind', async () => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      logLines.length = 0;
      const answers = [
        await fetch(`${base}/health`, { headers: { 'x-request-id': 'abc-123' } }),
        await fetch(`${base}/things`, { method: 'POST', body: '{"name":"a","qty":1}' }),
        await fetch(`${base}/things`, { method: 'POST', body: 'x'.repeat(2000) }),
        await fetch(`${base}/boom`),
        await fetch(`${base}/db-down`),
      ];
      const ids = answers.map((res) => res.headers.get('x-request-id'));
      expect(answers.map((res) => res.status)).toEqual([200, 201, 413, 500, 503]);
      expect(ids[0]).toBe('abc-123');
      for (const id of ids.slice(1)) expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(answers[4]?.headers.get('retry-after')).toBe('1');
      const access = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request');
      expect(access.map((entry) => entry.requestId)).toEqual(ids);
    } finally {
      server.close();
    }
  });

  it('behind a BASE_PATH (a preview’s /pr-42) it also answers under it, and its document names those paths', async () => {
    const preview = createServiceApp({
      service: 'things',
      logger: createLogger({ level: 'silent' }),
      tokens,
      bodyLimitBytes: 1024,
      basePath: '/pr-42',
      readiness: async () => ({ store: true, broker: true }),
      info: { title: 'things', version: '1' },
      routes: [
        route({
          method: 'get',
          path: '/things/:id',
          summary: 'get',
          params: z.object({ id: z.string() }),
          responses: { 200: { description: 'thing' } },
          handler: (c, { params }) => c.json({ id: params.id }),
        }),
      ],
    });
    for (const path of ['/pr-42/things/things/7', '/things/things/7', '/things/7']) {
      const res = await preview.request(path);
      expect(res.status, path).toBe(200);
      expect(await res.json()).toEqual({ id: '7' });
    }
    expect((await preview.request('/pr-42/things/health')).status).toBe(200); // the load balancer's check
    expect((await preview.request('/pr-43/things/things/7')).status).toBe(404); // another preview's path
    const doc = (await (await preview.request('/pr-42/things/openapi.json')).json()) as Json;
    expect(Object.keys(doc.paths)).toEqual(['/pr-42/things/things/{id}']);
    // without one, nothing changes
    expect(Object.keys(((await (await app.request('/things/openapi.json')).json()) as Json).paths)).not.toContain(
      '/pr-42/things/things/{id}',
    );
  });

  it('serves an OpenAPI 3.1 document with prefixed paths, schemas and security', async () => {
    const doc = (await (await app.request('/things/openapi.json')).json()) as Json;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/things/things', '/things/things/{id}', '/things/admin']),
    );
    const create = doc.paths['/things/things'].post;
    expect(create.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['name', 'qty'],
      additionalProperties: false,
    });
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '413']));
    expect(doc.paths['/things/admin'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/things/things/{id}'].get.parameters.map((p: { name: string }) => p.name)).toEqual([
      'id',
      'verbose',
    ]);
  });
});

describe('requests in flight', () => {
  it('beyond the limit: 503 with Retry-After at once; health still answers; slots come back, after errors too', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const busy = createServiceApp({
      service: 'busy',
      logger: createLogger({ level: 'silent' }),
      tokens,
      bodyLimitBytes: 1024,
      maxInFlight: 2,
      readiness: async () => ({ store: true }),
      info: { title: 'busy', version: '1' },
      routes: [
        route({
          method: 'get',
          path: '/slow',
          summary: 'waits for the gate',
          responses: { 200: { description: 'done' } },
          handler: async (c) => {
            await gate;
            return c.json({ done: true });
          },
        }),
        route({
          method: 'get',
          path: '/fail',
          summary: 'throws',
          responses: { 200: { description: 'never' } },
          handler: () => {
            throw new Error('boom');
          },
        }),
      ],
    });
    const held = [busy.request('/slow'), busy.request('/busy/slow')];
    const refused = await busy.request('/slow');
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([503, '1']);
    expect(((await refused.json()) as Json).error.code).toBe('UNAVAILABLE');
    expect((await busy.request('/health')).status).toBe(200);
    release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    for (let i = 0; i < 3; i++) expect((await busy.request('/fail')).status).toBe(500);
    const again = await Promise.all([busy.request('/slow'), busy.request('/slow')]);
    expect(again.map((r) => r.status)).toEqual([200, 200]);
  });
});

describe('a traced service', () => {
  it('answers each request in a server span named after its route; the access log line has its trace id', async () => {
    const exporter = new InMemorySpanExporter();
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
    const traced = createServiceApp({
      service: 'things',
      logger,
      tokens,
      bodyLimitBytes: 1024,
      readiness: async () => ({ store: true }),
      info: { title: 'things', version: '1' },
      tracing: createTracing({ service: 'things', exporter: 'none', sampleRatio: 1, logger, spanExporter: exporter }),
      routes: [
        route({
          method: 'get',
          path: '/things/:id',
          summary: 'get',
          responses: { 200: { description: 'thing' } },
          handler: (c) => c.json({ ok: true }),
        }),
      ],
    });
    const res = await traced.request('/things/things/42', { headers: { 'x-request-id': 'req-1' } });
    expect(res.status).toBe(200);
    expect((await traced.request('/things/health')).status).toBe(200);
    const [span, ...others] = exporter.getFinishedSpans();
    expect(others).toEqual([]); // health checks are not traced
    expect(span?.name).toBe('GET /things/:id');
    expect(span?.attributes).toMatchObject({
      'http.route': '/things/:id',
      'request.id': 'req-1',
      'http.response.status_code': 200,
    });
    const access = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(access.map((l) => [l.path, l.traceId])).toEqual([
      ['/things/things/42', span?.spanContext().traceId],
      ['/things/health', undefined],
    ]);
  });
});
