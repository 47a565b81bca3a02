import type { HttpBindings } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { type ApiInfo, allowOnly, openApiDocument, type Route, registerRoutes } from './api.ts';
import type { Tokens } from './auth.ts';
import { DEFAULT_MAX_IN_FLIGHT } from './config.ts';
import { AppError } from './errors.ts';
import { uuidv7 } from './ids.ts';
import type { Logger } from './log.ts';

/**
 * What Node's HTTP server hands each request besides the WHATWG Request (@hono/node-server's
 * bindings, `c.env` in handlers); absent when an app is called directly (`app.request` in tests).
 */
export type ServerEnv = HttpBindings;

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
  /** Requests in progress at once (health and readiness aside); beyond it, 503 with Retry-After. */
  maxInFlight?: number | undefined;
  routes: Route[];
  readiness: ReadinessProbe;
  info: ApiInfo;
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

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const QUIET_PATHS = /\/(health|ready)$/;

/** 503 with Retry-After: the request was fine, the moment was not. */
function retrySoon(c: Context, message: string): Response {
  c.header('retry-after', '1');
  return c.json(new AppError('UNAVAILABLE', message).toBody(), 503);
}

/**
 * The Hono app of one service: request ids and access logs, the body limit, error mapping, and
 * the routes mounted twice, with the service prefix and without it, because the load balancer
 * forwards paths unchanged (`/customer/signup`) while direct calls use `/signup`.
 */
export function createServiceApp(o: ServiceAppOptions): Hono<{ Variables: { requestId: string } }> {
  const app = new Hono<{ Variables: { requestId: string } }>({ strict: false });

  const limitBody = bodyLimit({
    maxSize: o.bodyLimitBytes,
    onError: (c) =>
      c.json(new AppError('PAYLOAD_TOO_LARGE', `request body exceeds ${o.bodyLimitBytes} bytes`).toBody(), 413),
  });

  // Past the limit a request is refused at once: an overloaded task that keeps queueing answers
  // everyone late (and its database worse); a quick 503 lets the load balancer and clients retry.
  const maxInFlight = o.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  let inFlight = 0;

  // One middleware for what every request needs: fewer layers to pass through on the hot path.
  app.use(async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : uuidv7();
    c.set('requestId', requestId);
    // Served by Node, the id goes straight onto the outgoing message (Node merges it into the
    // response's headers): through Hono, any header makes it build a WHATWG Headers object for
    // the response, a sizeable share of a small request's time. Otherwise it is set before the
    // handler runs (a header added afterwards makes Hono copy the whole response).
    const outgoing = (c.env as Partial<ServerEnv> | undefined)?.outgoing;
    if (outgoing) outgoing.setHeader('x-request-id', requestId);
    else c.header('x-request-id', requestId);
    const method = c.req.method;
    const path = c.req.path;
    const quiet = QUIET_PATHS.test(path);
    if (inFlight >= maxInFlight && !quiet) {
      c.res = retrySoon(c, 'the service is busy; retry shortly');
    } else {
      inFlight++;
      try {
        // GET and HEAD bodies are never read; skipping the limit for them spares building the full request.
        if (method === 'GET' || method === 'HEAD') await next();
        else {
          const result = await limitBody(c, next); // the 413 response, or what next() resolved to
          if (result instanceof Response) c.res = result;
        }
      } finally {
        inFlight--;
      }
    }
    const fields = {
      requestId,
      method,
      path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    };
    if (quiet) o.logger.debug('request', fields);
    else o.logger.info('request', fields);
  });

  app.onError((err, c) => {
    if (err instanceof AppError) return c.json(err.toBody(), err.status);
    if (err instanceof HTTPException && err.status < 500) {
      const body = new AppError(
        err.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED',
        err.message || 'bad request',
      );
      return c.json(body.toBody(), err.status);
    }
    const requestId = c.get('requestId');
    if (STORE_UNREACHABLE.has(err.name)) {
      // The database is restarting or out of reach: a retry soon will do, say so.
      o.logger.warn('store unavailable', { requestId, method: c.req.method, path: c.req.path, err: err.message });
      return retrySoon(c, 'the data store is unavailable; retry shortly');
    }
    o.logger.error('unhandled error', { requestId, method: c.req.method, path: c.req.path, err });
    return c.json(new AppError('INTERNAL', `internal error (request ${requestId})`).toBody(), 500);
  });

  app.notFound((c) => c.json(new AppError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`).toBody(), 404));

  const inner = new Hono({ strict: false });
  const prefix = `/${o.service}`;
  const document = openApiDocument(o.info, prefix, o.routes);
  inner.get('/health', (c) => c.json({ status: 'ok', service: o.service }));
  inner.get('/ready', async (c) => {
    const checks = await o.readiness();
    const ready = Object.values(checks).every(Boolean);
    return c.json({ status: ready ? 'ready' : 'unavailable', service: o.service, checks }, ready ? 200 : 503);
  });
  inner.get('/openapi.json', (c) => c.json(document));
  for (const path of ['/health', '/ready', '/openapi.json']) allowOnly(inner, path, ['GET']);
  registerRoutes(inner, o.routes, o.tokens);

  app.route(prefix, inner);
  app.route('/', inner);
  return app;
}
