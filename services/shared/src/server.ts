import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { AppError } from './errors.ts';
import type { FastLane } from './fast-lane.ts';
import type { Fetch, ServerEnv } from './http.ts';

/**
 * Timeouts sized for the ALB, whose idle timeout is 60 s: it keeps connections open for reuse and
 * may open one before it has a request for it, so the server waits longer than that for a request
 * line and its headers, and keeps idle connections longer still (AWS's advice: past the load
 * balancer's timeout, so the load balancer is always the one that closes). Slow bodies are cut by
 * the routes' own deadline (BODY_TIMEOUT_MS), slow headers by these and the connection cap.
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const HEADERS_TIMEOUT_MS = 66_000;
const REQUEST_TIMEOUT_MS = 90_000;

/** What a connection past the cap is told before it is closed. */
function connectionRefusal(): Response {
  return Response.json(new AppError('UNAVAILABLE', 'too many open connections; retry shortly').toBody(), {
    status: 503,
    headers: { 'retry-after': '1', connection: 'close' },
  });
}

export interface HttpServerOptions {
  /** Requests answered on Node's objects before `fetch` when it can (fast-lane.ts). */
  fast?: FastLane | undefined;
  port: number;
  host: string;
  /** Open connections at once; past it each new one gets a 503 and is closed. */
  maxConnections: number;
}

/**
 * Node's HTTP server for a service or the gateway, with the timeouts above and a cap on open
 * connections. Connections past the cap still get an answer (a bare reset would reach users as
 * the load balancer's 502) and are closed; at twice the cap, Node drops them unanswered.
 * `drain()` makes every later response close its connection (shutdown).
 */
export function createHttpServer(fetch: Fetch, o: HttpServerOptions) {
  const { fast } = o;
  let draining = false;
  const overCap = new WeakSet<object>();
  let open = 0;
  const listener = getRequestListener(
    async (request, env) => {
      const bindings = env as ServerEnv; // HTTP/1.1: Node's http server
      if (overCap.has(bindings.incoming.socket)) return connectionRefusal();
      const response = await fetch(request, bindings);
      if (draining) response.headers.set('connection', 'close');
      return response;
    },
    { hostname: o.host },
  );
  const timeouts = {
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: 1_000,
  };
  // the fast lane first; past the connection cap or while draining, every request goes to fetch
  const server = fast
    ? createServer(timeouts, (req, res) => {
        if (draining || overCap.has(req.socket) || !fast(req, res)) void listener(req, res);
      })
    : createServer(timeouts, listener);
  server.maxConnections = o.maxConnections * 2;
  server.prependListener('connection', (socket) => {
    open++;
    if (open > o.maxConnections) overCap.add(socket);
    socket.once('close', () => open--);
  });
  const listening = new Promise<Server>((resolve, reject) => {
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
  server.listen(o.port, o.host);
  return {
    server,
    listening,
    drain() {
      draining = true;
    },
  };
}
