import type { HttpBindings } from '@hono/node-server';
import { SpanStatusCode } from '@opentelemetry/api';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  type ApiInfo,
  allowOnly,
  openApiDocument,
  type Route,
  type RouteGuards,
  registerRoutes,
  Slots,
} from './api.ts';
import type { Tokens } from './auth.ts';
import { mustCloseConnection } from './body.ts';
import { type BaseConfig, DEFAULT_MAX_IN_FLIGHT, DEFAULT_USER_WRITES_PER_SECOND } from './config.ts';
import { AppError, unavailable } from './errors.ts';
import { uuidv7 } from './ids.ts';
import type { Logger } from './log.ts';
import { clientAddress, RateLimiter } from './throttle.ts';
import { noTracing, type Tracing } from './tracing.ts';

/**
 * What Node's HTTP server hands each request besides the WHATWG Request (@hono/node-server's
 * bindings, `c.env` in handlers); absent when an app is called directly (`app.request` in tests).
 */
export type ServerEnv = HttpBindings;

declare module 'hono' {
  interface ContextVariableMap {
    /** The matched route's path as the service declares it (`/orders/:id`), for the span's name. */
    route: string;
  }
}

/** A service's, or the gateway's, request handler. */
export type Fetch = (request: Request, env?: ServerEnv) => Response | Promise<Response>;

/** Named readiness checks, e.g. `{ store: true, broker: false }`. Ready when all are true. */
export type ReadinessProbe = () => Promise<Record<string, boolean>>;

export interface ServiceAppOptions {
  /** Service name, also its path prefix: `customer` serves `/customer/*` and `/*`. */
  service: string;
  logger: Logger;
  tokens: Tokens;
  bodyLimitBytes: number;
  /** How long a route waits for the body once it starts reading it. */
  bodyTimeoutMs?: number | undefined;
  /** Requests in progress at once (health and readiness aside); beyond it, 503 with Retry-After. */
  maxInFlight?: number | undefined;
  /** The p90 latency requests should keep; fewer are let in at once while they take longer (0: off). */
  latencyTargetMs?: number | undefined;
  /** ADMIN_EMAILS, lower-case: admin tokens of other emails are refused. */
  admins?: readonly string[] | undefined;
  /** Writes per signed-in user and second (sustained; bursts up to 5 s worth). 0 switches it off. */
  userWritesPerSecond?: number | undefined;
  /** Proxies in front that append to X-Forwarded-For (see clientAddressOf). */
  trustedProxyHops?: number | undefined;
  /** BASE_PATH: the routes are also served under <basePath>/<service> (a preview's /pr-42). */
  basePath?: string | undefined;
  routes: Route[];
  readiness: ReadinessProbe;
  info: ApiInfo;
  /** A server span per request (off: noTracing). */
  tracing?: Tracing | undefined;
}

/** The limits a service's HTTP side takes from its configuration. */
export type HttpOptions = Pick<
  ServiceAppOptions,
  | 'bodyLimitBytes'
  | 'bodyTimeoutMs'
  | 'maxInFlight'
  | 'latencyTargetMs'
  | 'admins'
  | 'userWritesPerSecond'
  | 'trustedProxyHops'
  | 'basePath'
>;

export function httpOptionsFrom(config: BaseConfig): HttpOptions {
  return {
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    bodyTimeoutMs: config.BODY_TIMEOUT_MS,
    maxInFlight: config.MAX_IN_FLIGHT,
    latencyTargetMs: config.REQUEST_LATENCY_TARGET_MS,
    admins: config.ADMIN_EMAILS.length > 0 ? config.ADMIN_EMAILS : undefined,
    userWritesPerSecond: config.USER_WRITES_PER_SECOND,
    trustedProxyHops: config.TRUSTED_PROXY_HOPS,
    basePath: config.BASE_PATH,
  };
}

/** The caller's address (see clientAddress): the TCP peer, or what trusted proxies say it is. */
export function clientAddressOf(c: Context, trustedProxyHops = 0): string {
  const peer = (c.env as Partial<ServerEnv> | undefined)?.incoming?.socket?.remoteAddress;
  return clientAddress(peer, c.req.header('x-forwarded-for'), trustedProxyHops);
}

/** MongoDB driver errors that mean "not reachable right now", not "this request is wrong". */
const STORE_UNREACHABLE = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

/** A driver error that means the store refused our credentials (rotated under us: see mongo.ts). */
export const isAuthenticationFailure = (err: unknown): boolean =>
  err instanceof Error && (err as { code?: unknown }).code === 18;

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const QUIET_PATHS = /\/(health|ready)$/;

export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

/** The request id to answer under: the caller's, when it is a sane one, or a new one. */
export const requestIdOf = (incoming: string | null | undefined) =>
  incoming && REQUEST_ID.test(incoming) ? incoming : uuidv7();

/** The answer of an AppError, with Retry-After when it has one. */
function errorResponse(c: Context, err: AppError): Response {
  if (err.retryAfterSeconds !== undefined) c.header('retry-after', String(err.retryAfterSeconds));
  // 499 is nginx's (the client left): a status only access logs ever see, hence the cast.
  return c.json(err.toBody(), err.status as ContentfulStatusCode);
}

/**
 * Tells the client this connection ends with the response. For answers given before the body was
 * read to its end (413, 408, 401, 404 ...): the unread rest would otherwise be taken for the next
 * request on a kept-alive connection.
 */
function closeConnection(c: Context): void {
  const outgoing = (c.env as Partial<ServerEnv> | undefined)?.outgoing;
  if (outgoing) {
    if (!outgoing.headersSent) outgoing.setHeader('connection', 'close');
  } else c.res.headers.set('connection', 'close');
}

/**
 * The Hono app of one service: request ids and access logs, error mapping, and the routes mounted
 * twice, with the service prefix and without it, because the load balancer forwards paths
 * unchanged (`/customer/signup`) while direct calls use `/signup`.
 */
export function createServiceApp(o: ServiceAppOptions): Hono<{ Variables: { requestId: string } }> {
  const app = new Hono<{ Variables: { requestId: string } }>({ strict: false });
  const writesPerSecond = o.userWritesPerSecond ?? DEFAULT_USER_WRITES_PER_SECOND;
  const guards: RouteGuards = {
    tokens: o.tokens,
    admins: o.admins ? new Set(o.admins.map((e) => e.toLowerCase())) : undefined,
    body: { maxBytes: o.bodyLimitBytes, timeoutMs: o.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS },
    slots: new Slots({ max: o.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, targetMs: o.latencyTargetMs ?? 0 }),
    userWrites:
      writesPerSecond > 0 ? new RateLimiter({ perSecond: writesPerSecond, burst: writesPerSecond * 5 }) : undefined,
  };

  const tracing = o.tracing ?? noTracing;
  /** The request in a server span: named after its route, with its status and request id. */
  const traced = (c: Context<{ Variables: { requestId: string } }>, next: () => Promise<void>, requestId: string) =>
    tracing.serve(
      c.req.method,
      c.req.header('traceparent'),
      { 'http.request.method': c.req.method, 'url.path': c.req.path, 'request.id': requestId },
      async (span) => {
        await next();
        const route = c.get('route');
        if (route) {
          span.updateName(`${c.req.method} ${route}`);
          span.setAttribute('http.route', route);
        }
        span.setAttribute('http.response.status_code', c.res.status);
        if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        // on the access log line only when the trace is kept: a searched-for id must exist
        return span.isRecording() ? span.spanContext().traceId : undefined;
      },
    );

  // One middleware for what every request needs: fewer layers to pass through on the hot path.
  app.use(async (c, next) => {
    const started = performance.now();
    const requestId = requestIdOf(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    // Served by Node, the id goes straight onto the outgoing message (Node merges it into the
    // response's headers): through Hono, any header makes it build a WHATWG Headers object for
    // the response, a sizeable share of a small request's time. Otherwise it is set before the
    // handler runs (a header added afterwards makes Hono copy the whole response).
    const outgoing = (c.env as Partial<ServerEnv> | undefined)?.outgoing;
    if (outgoing) outgoing.setHeader('x-request-id', requestId);
    else c.header('x-request-id', requestId);
    // health checks (the load balancer's, every few seconds) are not worth a trace
    let traceId: string | undefined;
    if (tracing.enabled && !QUIET_PATHS.test(c.req.path)) traceId = await traced(c, next, requestId);
    else await next();
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD' && mustCloseConnection(c)) closeConnection(c);
    const path = c.req.path;
    const status = c.res.status;
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const fields = traceId ? { requestId, traceId, method, path, status, ms } : { requestId, method, path, status, ms };
    if (QUIET_PATHS.test(path) || status === 499) o.logger.debug('request', fields);
    else o.logger.info('request', fields);
  });

  app.onError((err, c) => {
    if (err instanceof AppError) {
      if (err.status === 499) o.logger.info('client closed the request', { requestId: c.get('requestId') });
      return errorResponse(c, err);
    }
    if (err instanceof HTTPException && err.status < 500) {
      const body = new AppError('VALIDATION_FAILED', err.message || 'bad request');
      return c.json(body.toBody(), err.status);
    }
    const requestId = c.get('requestId');
    const where = { requestId, method: c.req.method, path: c.req.path };
    if (STORE_UNREACHABLE.has(err.name) || isAuthenticationFailure(err)) {
      // The database is restarting, out of reach, or has just rotated our password (the store
      // reconnects with the new one): a retry soon will do, say so.
      o.logger.warn('store unavailable', { ...where, err: err.message });
      return errorResponse(c, unavailable('the data store is unavailable; retry shortly'));
    }
    o.logger.error('unhandled error', { ...where, err });
    return c.json(new AppError('INTERNAL', `internal error (request ${requestId})`).toBody(), 500);
  });

  app.notFound((c) => c.json(new AppError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`).toBody(), 404));

  const inner = new Hono({ strict: false });
  const prefix = `/${o.service}`;
  // the document names the paths clients use: behind a BASE_PATH, those under it
  const document = openApiDocument(o.info, `${o.basePath ?? ''}${prefix}`, o.routes);
  inner.get('/health', (c) => c.json({ status: 'ok', service: o.service }));
  inner.get('/ready', async (c) => {
    const checks = await o.readiness();
    const ready = Object.values(checks).every(Boolean);
    return c.json({ status: ready ? 'ready' : 'unavailable', service: o.service, checks }, ready ? 200 : 503);
  });
  inner.get('/openapi.json', (c) => c.json(document));
  for (const path of ['/health', '/ready', '/openapi.json']) allowOnly(inner, path, ['GET']);
  registerRoutes(inner, o.routes, guards);

  if (o.basePath) app.route(`${o.basePath}${prefix}`, inner);
  app.route(prefix, inner);
  app.route('/', inner);
  return app;
}
