import type { Context, Hono } from 'hono';
import * as z from 'zod';
import { authenticate, type Tokens, type User } from './auth.ts';
import { type BodyLimits, readBodyText } from './body.ts';
import { AppError, tooManyRequests, unavailable, validationFailed } from './errors.ts';
import { percentile } from './metrics.ts';
import type { RateLimiter } from './throttle.ts';

/**
 * One place per endpoint for its path, auth, input schemas, responses and handler: the router,
 * the validation and the OpenAPI document are all derived from it, so they cannot drift apart.
 */
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Schema = z.ZodType;
type Out<S> = S extends Schema ? z.output<S> : undefined;

export interface ResponseSpec {
  description: string;
  schema?: Schema;
}

export interface RouteSpec<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined> {
  method: Method;
  /** Path inside the service, Hono syntax (`/:id`); it is served with and without the service prefix. */
  path: string;
  summary: string;
  /** `user`: any valid token; `admin`: a token with role admin. */
  auth?: 'user' | 'admin';
  /**
   * Slow by design (password hashing): its latency does not count toward the service's latency
   * target, which would otherwise let fewer requests in when nothing is wrong.
   */
  slow?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** Optional request headers, documented and handed to the handler lower-cased. */
  headers?: Record<string, { description: string; schema: z.ZodString }>;
  responses: Record<number, ResponseSpec>;
  /**
   * A public GET's 200 body when the service has it in memory right now (a read model's fresh
   * entry), else undefined and `handler` answers. Such requests are answered before the framework
   * (fast-lane.ts): no context, middleware or slot, the same response and access log line. It must
   * be synchronous, cheap and give what `handler` would.
   */
  fromMemory?: (params: Out<P>) => unknown;
  handler: (
    c: Context,
    input: { params: Out<P>; query: Out<Q>; body: Out<B>; user: User; headers: Record<string, string | undefined> },
  ) => Response | Promise<Response>;
}

export type Route = RouteSpec<Schema | undefined, Schema | undefined, Schema | undefined>;

/** Identity function that gives the handler its input types. */
export function route<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
>(spec: RouteSpec<P, Q, B>): Route {
  return spec as unknown as Route;
}

const anonymous: User = { id: '', email: '', role: 'customer' };

function parse<S extends Schema>(schema: S, where: string, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationFailed(where, result.error.issues);
  return result.data;
}

/**
 * The body as JSON, whatever content-type the client sent (curl's `-d` says form-urlencoded):
 * the contract is JSON only, and anything that does not parse is a 400.
 */
async function readJson(c: Context, limits: BodyLimits): Promise<unknown> {
  const text = await readBodyText(c, limits);
  if (text.trim() === '') {
    throw new AppError('VALIDATION_FAILED', 'request body is required', [{ path: 'body', message: 'required' }]);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'request body is not valid JSON', [
      { path: 'body', message: 'malformed JSON' },
    ]);
  }
}

export interface SlotsOptions {
  /** The most requests worked on at once (MAX_IN_FLIGHT). */
  max: number;
  /**
   * The latency the requests should keep (p90, REQUEST_LATENCY_TARGET_MS): while they take longer,
   * fewer are let in at once. 0: a fixed limit of `max`.
   */
  targetMs?: number;
  windowMs?: number;
  min?: number;
}

/**
 * Requests a service works on at once; past the limit, new ones are refused at once instead of
 * queued (an overloaded task that keeps queueing answers everyone late, and its database worse).
 * The limit follows the latency: when the requests of a window take longer than `targetMs` (p90),
 * the limit drops to a fraction of what was in flight; when they are well within it and the limit
 * refused some, it grows back a step at a time. Under a load it can serve, it never refuses.
 *
 * Requests slow by design (password hashing: bounded by a queue of its own) take a slot of `max`
 * but are not held to the latency limit, and while one runs the others' latency is not judged:
 * it burns the CPU they share (a whole 0.25 vCPU task for seconds), which says nothing about how
 * many fast requests the task can take, and cutting them would answer reads 503 during sign-ins.
 */
export class Slots {
  readonly #o: Required<SlotsOptions>;
  #limit: number;
  #taken = 0;
  /** Of #taken, those slow by design. */
  #slowTaken = 0;
  /** A slow request ran during this window: its latencies are not judged. */
  #slowSeen = false;
  #peak = 0;
  #refused = false;
  #latencies: number[] = [];
  #windowStart = Date.now();

  constructor(o: SlotsOptions | number) {
    this.#o = { targetMs: 0, windowMs: 250, min: 4, ...(typeof o === 'number' ? { max: o } : o) };
    this.#limit = this.#o.max;
  }

  get limit() {
    return this.#limit;
  }

  tryTake(slow = false): boolean {
    if (slow) {
      if (this.#taken >= this.#o.max) return false;
      this.#taken++;
      this.#slowTaken++;
      this.#slowSeen = true;
      return true;
    }
    if (this.#taken >= this.#o.max || this.#taken - this.#slowTaken >= this.#limit) {
      this.#refused = true;
      return false;
    }
    this.#taken++;
    const fast = this.#taken - this.#slowTaken;
    if (fast > this.#peak) this.#peak = fast;
    return true;
  }

  /** Gives a slot back; `latencyMs` counts toward the target; none for a request slow by design. */
  give(latencyMs?: number, slow = false): void {
    this.#taken--;
    if (slow) this.#slowTaken--;
    if (this.#o.targetMs <= 0) return;
    if (latencyMs !== undefined) this.#latencies.push(latencyMs);
    const now = Date.now();
    if (now - this.#windowStart >= this.#o.windowMs && this.#latencies.length >= 10) this.#adjust(now);
  }

  #adjust(now: number): void {
    const p90 = percentile(this.#latencies, 0.9) ?? 0;
    const target = this.#o.targetMs;
    if (p90 > target && !this.#slowSeen) {
      const cut = Math.max(0.5, Math.min(0.9, target / p90));
      this.#limit = Math.max(this.#o.min, Math.floor(Math.min(this.#limit, this.#peak) * cut));
    } else if (this.#refused && p90 < target * 0.7) {
      this.#limit = Math.min(this.#o.max, this.#limit + Math.max(1, Math.ceil(this.#limit * 0.1)));
    }
    this.#latencies = [];
    this.#refused = false;
    this.#slowSeen = this.#slowTaken > 0;
    this.#peak = this.#taken - this.#slowTaken;
    this.#windowStart = now;
  }
}

export interface RouteGuards {
  tokens: Tokens;
  /** ADMIN_EMAILS: an admin token counts only while its email is listed. */
  admins?: ReadonlySet<string> | undefined;
  body: BodyLimits;
  slots: Slots;
  /** Writes (anything but GET) per signed-in user. */
  userWrites?: RateLimiter | undefined;
}

/**
 * Registers routes on `app`, path by path: each path's methods, then a 405 (with an Allow header)
 * for any other method on it. A static path (`/lookup`) is registered before a parametric one
 * that would also match it (`/:id`) when it comes first in `routes`, so it keeps its own 405.
 *
 * Order of work, cheapest refusal first: authentication (anonymous callers learn nothing and send
 * no body we read), the user's write budget, parameters, then the body under its size limit and
 * deadline. Only then does the request take one of the service's slots: a client still sending its
 * body, or one refused, never holds a slot that others need.
 */
export function registerRoutes(app: Hono, routes: Route[], guards: RouteGuards): void {
  const byPath = new Map<string, Route[]>();
  for (const r of routes) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);
  for (const [path, list] of byPath) {
    for (const r of list) {
      const isWrite = r.method !== 'get';
      app.on(r.method.toUpperCase(), path, async (c) => {
        c.set('route', path);
        const user = r.auth
          ? await authenticate(guards.tokens, c.req.header('authorization'), r.auth, guards.admins)
          : anonymous;
        if (r.auth && isWrite && guards.userWrites) {
          const waitMs = guards.userWrites.take(user.id);
          if (waitMs > 0) throw tooManyRequests('too many changes in a short time; slow down', waitMs / 1000);
        }
        const params = r.params ? parse(r.params, 'params', c.req.param()) : undefined;
        const query = r.query ? parse(r.query, 'query', c.req.query()) : undefined;
        const headers: Record<string, string | undefined> = {};
        for (const [name, h] of Object.entries(r.headers ?? {})) {
          const value = c.req.header(name);
          headers[name] = value === undefined ? undefined : parse(h.schema, `header.${name}`, value);
        }
        const body = r.body ? parse(r.body, 'body', await readJson(c, guards.body)) : undefined;
        // Past the limit a request is refused at once: an overloaded task that keeps queueing
        // answers everyone late (and its database worse); a quick 503 lets clients retry.
        if (!guards.slots.tryTake(r.slow)) throw unavailable('the service is busy; retry shortly');
        const started = performance.now();
        try {
          return await r.handler(c, { params, query, body, user, headers });
        } finally {
          guards.slots.give(r.slow ? undefined : performance.now() - started, r.slow);
        }
      });
    }
    allowOnly(
      app,
      path,
      list.map((r) => r.method),
    );
  }
}

/** 405 with an Allow header for a known path asked with a method it does not serve. */
export function allowOnly(app: Hono, path: string, methods: string[]): void {
  const allowed = new Set(methods.map((m) => m.toUpperCase()));
  if (allowed.has('GET')) allowed.add('HEAD');
  const allow = [...allowed].sort().join(', ');
  app.all(path, (c) => {
    c.header('allow', allow);
    return c.json(
      new AppError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed here; use ${allow}`).toBody(),
      405,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// OpenAPI 3.1 (its schema objects are JSON Schema 2020-12, which zod emits directly)

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: Schema, io: 'input' | 'output'): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
  return rest;
}

function parametersOf(schema: Schema | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!(schema instanceof z.ZodObject)) return [];
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

export interface ApiInfo {
  title: string;
  version: string;
  description?: string;
}

/** The OpenAPI document of a service, with paths as the load balancer sees them (`/<prefix>/...`). */
export function openApiDocument(info: ApiInfo, prefix: string, routes: Route[]): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = `${prefix}${r.path === '/' ? '' : r.path}`.replace(/:(\w+)/g, '{$1}') || '/';
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(r.responses)) {
      if (spec.schema) {
        responses[status] = {
          description: spec.description,
          content: { 'application/json': { schema: jsonSchema(spec.schema, 'output') } },
        };
      } else {
        responses[status] = Number(status) >= 400 ? errorResponse(spec.description) : { description: spec.description };
      }
    }
    const errors: Array<[number, string, boolean]> = [
      [400, 'Invalid input (the details name the fields)', Boolean(r.params || r.query || r.body || r.headers)],
      [401, 'Missing, invalid or expired token', Boolean(r.auth)],
      [403, 'Authenticated but not allowed', r.auth === 'admin'],
      [408, 'Body not received in time', Boolean(r.body)],
      [413, 'Body too large', Boolean(r.body)],
      [429, 'Too many attempts or changes; retry after Retry-After seconds', Boolean(r.auth && r.method !== 'get')],
      [503, 'Busy, or the data store is unavailable for the moment; retry (see Retry-After)', true],
    ];
    for (const [status, description, applies] of errors) {
      if (applies && !responses[status]) responses[status] = errorResponse(description);
    }
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      operationId: `${r.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string) => (ch ?? '').toUpperCase())}`,
      ...(r.auth && { security: [{ bearerAuth: [] }] }),
      parameters: [
        ...parametersOf(r.params, 'path'),
        ...parametersOf(r.query, 'query'),
        ...Object.entries(r.headers ?? {}).map(([name, h]) => ({
          name,
          in: 'header',
          required: false,
          description: h.description,
          schema: jsonSchema(h.schema, 'input'),
        })),
      ],
      ...(r.body && {
        requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } },
      }),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { Error: jsonSchema(errorBodySchema, 'output') },
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}
