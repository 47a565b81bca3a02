import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route } from './api.ts';
import { requestIdOf } from './http.ts';
import type { Logger } from './log.ts';

/**
 * Answers a request on Node's own request and response objects, or returns false and leaves it to
 * the service's app. See RouteSpec.fromMemory.
 */
export type FastLane = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface FastLaneOptions {
  service: string;
  basePath?: string | undefined;
  routes: Route[];
  logger: Logger;
  /** With tracing on, every request goes through the app, which gives it its span. */
  tracing: boolean;
}

/** The service's own paths, which a parameter never stands for (Hono prefers them too). */
const BUILT_IN_PATHS = ['/health', '/ready', '/openapi.json'];

interface FastRoute {
  /** The path's segments after its leading slash; parameters as `:name`. */
  segments: string[];
  route: Route;
}

/**
 * The fast lane of one service: GET requests of routes with `fromMemory`, answered without the
 * framework when the route has its answer in memory (a product page read within the read model's
 * staleness bound). Its answer is the one the handler would give: 200, the same JSON, the same
 * headers, and the same access log line. Anything it is not sure of goes to the app: another
 * method, a query string, an encoded character, a trailing slash, a request body, parameters the
 * route's schema refuses, a path the service also serves as a static one, an answer not in memory.
 */
export function createFastLane(o: FastLaneOptions): FastLane | undefined {
  const fast: FastRoute[] = [];
  for (const route of o.routes) {
    if (!route.fromMemory) continue;
    if (route.method !== 'get' || route.auth || route.query || route.headers || route.body) {
      throw new Error(`${o.service} ${route.method.toUpperCase()} ${route.path}: fromMemory is for public GETs only`);
    }
    const segments = route.path.split('/').slice(1);
    if (segments.some((s) => s === '' || s.includes('*') || s.includes('{') || s.endsWith('?'))) {
      throw new Error(`${o.service} ${route.path}: fromMemory needs plain segments and :params`);
    }
    fast.push({ segments, route });
  }
  if (fast.length === 0 || o.tracing) return undefined;

  const statics = new Set([...BUILT_IN_PATHS, ...o.routes.filter((r) => !r.path.includes(':')).map((r) => r.path)]);
  // in the order the app mounts them: a request takes the first prefix it starts with
  const prefixes = [...(o.basePath ? [`${o.basePath}/${o.service}`] : []), `/${o.service}`, ''];

  /** The route and its raw parameters for a path inside the service, if one of the fast routes matches it. */
  const match = (path: string) => {
    if (statics.has(path)) return undefined;
    const parts = path.split('/');
    for (const f of fast) {
      if (parts.length !== f.segments.length + 1) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < f.segments.length && ok; i++) {
        const want = f.segments[i] as string;
        const got = parts[i + 1] as string;
        if (want.startsWith(':')) {
          params[want.slice(1)] = got;
          ok = got !== '';
        } else ok = want === got;
      }
      if (ok) return { f, params };
    }
    return undefined;
  };

  return (req, res) => {
    const url = req.url;
    // origin-form only (`/products/...`): an absolute URL or anything odd is the app's to judge
    if (req.method !== 'GET' || url?.charCodeAt(0) !== 0x2f || url.includes('?') || url.includes('%')) return false;
    if (req.headers['transfer-encoding'] !== undefined) return false;
    const length = req.headers['content-length'];
    if (length !== undefined && length !== '0') return false;
    const started = performance.now();
    let found: ReturnType<typeof match>;
    for (const prefix of prefixes) {
      if (prefix === '' || (url.startsWith(prefix) && url.charCodeAt(prefix.length) === 0x2f)) {
        found = match(prefix === '' ? url : url.slice(prefix.length));
        break;
      }
    }
    if (!found) return false;
    const { route } = found.f;
    let params: unknown = found.params;
    if (route.params) {
      const parsed = route.params.safeParse(params);
      if (!parsed.success) return false;
      params = parsed.data;
    }
    let answer: unknown;
    try {
      answer = route.fromMemory?.(params);
    } catch {
      return false; // the handler answers, and its errors go where the app's errors go
    }
    if (answer === undefined) return false;
    const body = JSON.stringify(answer);
    const requestId = requestIdOf(typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : null);
    res.writeHead(200, {
      'x-request-id': requestId,
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
    const ms = Math.round((performance.now() - started) * 10) / 10;
    o.logger.info('request', { requestId, method: 'GET', path: url, status: 200, ms });
    return true;
  };
}
