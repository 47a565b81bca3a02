import { undrainable } from './body.ts';
import { MemoryBus } from './bus-memory.ts';
import type { BaseConfig } from './config.ts';
import { AppError } from './errors.ts';
import type { FastLane } from './fast-lane.ts';
import { type Fetch, requestIdOf } from './http.ts';
import { createLogger, type Logger, loggerFromSettings } from './log.ts';
import { type RunningService, serveUntilSignal, startService } from './runtime.ts';
import type { AnyManifest } from './service.ts';

/** The gateway's own answer for a path no service claims, or undefined (then: 404). */
export type GatewayPages = (request: Request) => Promise<Response | undefined>;

/**
 * Routes by the first path segment, as the ALB's listener rules do: `/customer` and
 * `/customer/...` go to customer, unchanged (each service strips its own prefix). Other paths
 * go to `pages` (npm start's landing page and API docs), else 404.
 */
export function createGateway(routes: Record<string, Fetch>, pages?: GatewayPages): Fetch {
  const notFound = (path: string, request: Request) => {
    const headers: Record<string, string> = { 'x-request-id': requestIdOf(request.headers.get('x-request-id')) };
    if (undrainable(request.headers)) headers.connection = 'close'; // see mustCloseConnection
    return Response.json(new AppError('NOT_FOUND', `no service serves ${path}`).toBody(), { status: 404, headers });
  };
  return (request, env) => {
    const url = request.url;
    const pathStart = url.indexOf('/', url.indexOf('//') + 2);
    const path = pathStart === -1 ? '/' : url.slice(pathStart);
    const segment = path.slice(1, firstSegmentEnd(path));
    const target = Object.hasOwn(routes, segment) ? routes[segment] : undefined;
    if (target) return target(request, env);
    if (!pages) return notFound(path.split('?')[0] ?? path, request);
    return pages(request).then((page) => page ?? notFound(path.split('?')[0] ?? path, request));
  };
}

/**
 * The gateway's fast lane (npm start): the service's, chosen by the first path segment as
 * createGateway routes.
 */
export function gatewayFastLane(lanes: Record<string, FastLane | undefined>): FastLane | undefined {
  if (!Object.values(lanes).some(Boolean)) return undefined;
  return (req, res) => {
    const url = req.url ?? '/';
    const segment = url.slice(1, firstSegmentEnd(url));
    const lane = Object.hasOwn(lanes, segment) ? lanes[segment] : undefined;
    return lane ? lane(req, res) : false;
  };
}

/** Where the first segment of `path` (which starts with `/`) ends: at the next `/`, `?` or `#`. */
function firstSegmentEnd(path: string): number {
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x2f || c === 0x3f || c === 0x23) return i;
  }
  return path.length;
}

export interface PlatformService {
  manifest: AnyManifest;
  config: BaseConfig;
}

/**
 * Starts every service in this process behind one gateway. Without AMQP_URL they share one
 * embedded bus (the services still only talk through events); with MONGO_URL each gets its own
 * database named after it, as in AWS.
 */
export async function startPlatform(
  services: PlatformService[],
  gateway: {
    port: number;
    host: string;
    shutdownTimeoutMs: number;
    maxConnections: number;
    logger?: Logger;
    /** The gateway's own pages, made once the services run. */
    pages?: (running: RunningService[]) => GatewayPages;
  },
) {
  const logger = gateway.logger ?? createLogger({ bindings: { service: 'gateway' } });
  const useRealBroker = services.some((s) => s.config.AMQP_URL);
  const sharedBus = useRealBroker ? undefined : new MemoryBus();
  const running: RunningService[] = [];
  for (const s of services) {
    running.push(
      await startService(s.manifest, s.config, {
        ...(sharedBus && { bus: sharedBus }),
        database: s.manifest.name,
        logger: loggerFromSettings(s.config, { service: s.manifest.name }),
      }),
    );
  }
  const fetch = createGateway(Object.fromEntries(running.map((s) => [s.name, s.fetch])), gateway.pages?.(running));
  const server = await serveUntilSignal(fetch, {
    fast: gatewayFastLane(Object.fromEntries(running.map((s) => [s.name, s.fast]))),
    port: gateway.port,
    host: gateway.host,
    logger,
    shutdownTimeoutMs: gateway.shutdownTimeoutMs,
    maxConnections: gateway.maxConnections,
    services: running,
  });
  return { server, services: running, bus: sharedBus };
}
