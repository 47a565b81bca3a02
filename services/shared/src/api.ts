import type { Context, Hono } from 'hono';
import * as z from 'zod';
import { authenticate, type Tokens, type User } from './auth.ts';
import { type BodyLimits, readBodyText } from './body.ts';
import { AppError, tooManyRequests, unavailable, validationFailed } from './errors.ts';
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
  params?: P;
  query?: Q;
  body?: B;
  /** Optional request headers, documented and handed to the handler lower-cased. */
  headers?: Record<string, { description: string; schema: z.ZodString }>;
  responses: Record<number, ResponseSpec>;
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

/** Requests a service works on at once; past it, new ones are refused instead of queued. */
export class Slots {
  #taken = 0;
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  tryTake(): boolean {
    if (this.#taken >= this.max) return false;
    this.#taken++;
    return true;
  }

  give(): void {
    this.#taken--;
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
        if (!guards.slots.tryTake()) throw unavailable('the service is busy; retry shortly');
        try {
          return await r.handler(c, { params, query, body, user, headers });
        } finally {
          guards.slots.give();
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
