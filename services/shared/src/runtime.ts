import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { Db, MongoClient } from 'mongodb';
import type { z } from 'zod';
import { sleep, withTimeout } from './async.ts';
import { createTokens } from './auth.ts';
import type { EventBus, EventHandler } from './bus.ts';
import { AmqpBus } from './bus-amqp.ts';
import { MemoryBus } from './bus-memory.ts';
import { type BaseConfig, ConfigError, parseConfig, tracesExporterOf } from './config.ts';
import type { DomainEvent } from './events.ts';
import { createFastLane, type FastLane } from './fast-lane.ts';
import { createServiceApp, type Fetch, httpOptionsFrom } from './http.ts';
import { type Logger, loggerFromSettings, resolveLogFormat, sharedStdout } from './log.ts';
import { EmfMetrics, type Metrics, noMetrics } from './metrics.ts';
import { connectMongo, databaseFromUrl, pingMongo, RotatingMongo } from './mongo.ts';
import { secretsManagerCredentials } from './mongo-credentials.ts';
import { observeBus } from './observed-bus.ts';
import { OutboxRelay, type PendingEvents } from './outbox.ts';
import { memoryOutboxWriters } from './outbox-memory.ts';
import { mongoOutboxWriters } from './outbox-mongo.ts';
import { unreachableHint } from './reachability.ts';
import { createHttpServer, type HttpServerOptions } from './server.ts';
import { configSchemaOf, type ServiceContext, type ServiceManifest, subscribedTypes } from './service.ts';
import { exitOnStartupFailure, StartupError } from './startup.ts';
import { createStoreKit } from './store-kit.ts';
import { topologyWith } from './topology.ts';
import { createTracing, type Tracing } from './tracing.ts';

/** A service started with its backends; `stop` is the graceful shutdown. */
export interface RunningService<S = unknown> {
  name: string;
  fetch: Fetch;
  /** Requests answered before the app when it can (fast-lane.ts); undefined: none. */
  fast?: FastLane | undefined;
  stop(): Promise<void>;
  bus: EventBus;
  relay: OutboxRelay;
  /** The service's stores, for tests that look inside. */
  stores: S;
  /** Handles one event as its queue would deliver it (tests). */
  deliver(event: DomainEvent): Promise<void>;
}

export interface StartOptions<D = unknown, S = unknown> {
  /** Shared bus (the embedded platform runs every service on one in-memory bus). */
  bus?: EventBus;
  /** Database name, overriding the one in MONGO_URL. */
  database?: string;
  logger?: Logger;
  /** Collaborators to use instead of the manifest's `deps` (tests: a cheap password hasher). */
  deps?: Partial<D>;
  /** Stores to use instead of new ones (tests: the data of a service "restarted" with other settings). */
  stores?: S;
  /** Tracing to use instead of what the config says (tests: an in-memory exporter). */
  tracing?: Tracing;
  /** Metrics to use instead of what the config says (tests: lines kept in memory). */
  metrics?: Metrics;
}

/** Connects a service's backends and builds it from its manifest, without opening a port. */
export async function startService<C extends BaseConfig, S, D>(
  manifest: ServiceManifest<C, S, D>,
  config: C,
  options: StartOptions<D, S> = {},
): Promise<RunningService<S>> {
  const name = manifest.name;
  const logger = options.logger ?? loggerFromSettings(config, { service: name });
  const tokens = await createTokens(
    { signing: config.JWT_SECRET, accepted: config.JWT_ACCEPTED_SECRETS },
    config.JWT_TTL_SECONDS,
    config.ADMIN_TOKEN_TTL_SECONDS,
  );

  const tracing =
    options.tracing ??
    createTracing({
      service: name,
      exporter: tracesExporterOf(config),
      endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
      sampleRatio: config.OTEL_TRACES_SAMPLER_ARG,
      logger,
    });
  const metrics =
    options.metrics ??
    (config.METRICS_NAMESPACE
      ? new EmfMetrics({
          namespace: config.METRICS_NAMESPACE,
          service: name,
          write: sharedStdout(),
          onError: (metric, err) => logger.warn('metric not read', { metric, err }),
        })
      : noMetrics);

  const mongo = config.MONGO_URL
    ? await connectWithRetry(logger, config.MONGO_URL, () =>
        openDatabase(config, name, options.database, logger, tracing.enabled ? tracing.monitor : undefined),
      )
    : undefined;

  const topology = topologyWith(name, subscribedTypes(manifest));
  let bus = options.bus;
  const ownsBus = !bus;
  if (!bus) {
    if (config.AMQP_URL) {
      const amqpBus = new AmqpBus({
        url: config.AMQP_URL,
        exchange: config.AMQP_EXCHANGE,
        prefetch: config.AMQP_PREFETCH,
        logger,
        connectionName: name,
        topology,
      });
      await amqpBus.start();
      bus = amqpBus;
    } else {
      bus = new MemoryBus({ prefetch: config.AMQP_PREFETCH, topology });
    }
  }
  const eventBus = observeBus(bus, { service: name, tracing, metrics });

  const relay = new OutboxRelay({
    bus: eventBus,
    logger,
    writers: mongo ? mongoOutboxWriters(mongo.db) : memoryOutboxWriters(),
    name,
    pollMs: config.OUTBOX_POLL_MS,
    scanMs: config.OUTBOX_SCAN_MS,
  });
  const { kit, ready: storesReady } = createStoreKit(config, logger, (store) =>
    relay.sinkFor(store, manifest.publishes),
  );
  const stores = options.stores ?? (mongo ? manifest.stores.mongo(mongo.db, kit) : manifest.stores.memory(kit));
  if (!options.stores) await storesReady(stores);
  await relay.start(); // records this process as a writer before anything is written

  const ctx: ServiceContext<C, S, D> = {
    name,
    config,
    logger,
    tokens,
    stores,
    deps: {
      ...(manifest.deps?.({ config, logger, backlog: (consumers) => eventBus.backlog(consumers) }) as D),
      ...options.deps,
    },
    http: httpOptionsFrom(config),
    metrics,
  };
  let draining = false;
  const routes = manifest.routes(ctx);
  const app = createServiceApp({
    service: name,
    logger,
    tokens,
    ...ctx.http,
    routes,
    readiness: async () => ({
      store: mongo ? await pingMongo(mongo.db) : true,
      broker: eventBus.isConnected(),
      accepting: !draining,
    }),
    info: { title: name, version: '1.0.0', description: manifest.description },
    tracing,
  });
  const handler = subscriptionHandler(manifest, ctx);

  if (handler) await eventBus.consume(name, handler);
  if (metrics instanceof EmfMetrics) {
    watchOutbox(metrics, relay);
    if (handler) metrics.gauge('DeadLetterMessages', 'Count', () => eventBus.deadLettered(name));
    metrics.start();
  }
  logger.info('service started', {
    store: mongo ? `mongodb/${mongo.db.databaseName}` : 'memory',
    broker: config.AMQP_URL && ownsBus ? 'rabbitmq' : 'memory',
    subscribes: subscribedTypes(manifest),
  });

  return {
    name,
    fetch: (request, env) => app.fetch(request, env),
    fast: createFastLane({ service: name, basePath: ctx.http.basePath, routes, logger, tracing: tracing.enabled }),
    bus: eventBus,
    relay,
    stores,
    deliver: async (event) => handler?.(event),
    async stop() {
      draining = true;
      if (ownsBus) await eventBus.stopConsuming();
      await relay.stop();
      if (metrics instanceof EmfMetrics) await metrics.stop();
      if (ownsBus) await eventBus.close();
      await mongo?.close();
      await tracing.shutdown();
    },
  };
}

/** The outbox's gauges, from one look at the stores per flush. */
function watchOutbox(metrics: EmfMetrics, relay: OutboxRelay): void {
  let look: Promise<PendingEvents> | undefined; // shared by the two gauges of one flush
  const pending = () => {
    look ??= relay.pending().finally(() => {
      look = undefined;
    });
    return look;
  };
  metrics.gauge('OutboxUnsent', 'Count', async () => (await pending()).events);
  metrics.gauge('OutboxOldestAgeSeconds', 'Seconds', async () => {
    const { oldestAt } = await pending();
    return oldestAt === undefined ? 0 : Math.max(0, (Date.now() - oldestAt) / 1000);
  });
}

/**
 * The queue's handler: the event goes to the manifest's handler for its type. The queue is bound
 * to exactly those types; one of another type was bound by an earlier version (bindings outlive
 * the code that made them) and is acknowledged with a warning.
 */
function subscriptionHandler<C extends BaseConfig, S, D>(
  manifest: ServiceManifest<C, S, D>,
  ctx: ServiceContext<C, S, D>,
): EventHandler | undefined {
  const handlers = manifest.subscriptions ?? {};
  if (Object.keys(handlers).length === 0) return undefined;
  return async (event) => {
    const handle = handlers[event.type] as ((e: DomainEvent, c: typeof ctx) => Promise<void>) | undefined;
    if (!handle) {
      ctx.logger.warn('event of a type this service does not subscribe to: acknowledged', { type: event.type });
      return;
    }
    await handle(event, ctx);
  };
}

/**
 * The service's database: `override` when given (the embedded platform gives each service its
 * own), else the one MONGO_URL names, else the service's name, as in AWS. Credentials come from
 * the URL, from MONGO_USERNAME/MONGO_PASSWORD, or from the rotating secret MONGO_CREDENTIALS_SECRET
 * (then it reconnects by itself when the password changes).
 */
async function openDatabase(
  config: BaseConfig,
  service: string,
  override: string | undefined,
  logger: Logger,
  monitor: ((client: MongoClient) => void) | undefined,
): Promise<{ db: Db; close(): Promise<void> }> {
  const url = config.MONGO_URL as string;
  const database = override ?? databaseFromUrl(url) ?? service;
  if (config.MONGO_CREDENTIALS_SECRET) {
    const rotating = await RotatingMongo.connect({
      url,
      tlsCAFile: config.MONGO_TLS_CA_FILE,
      database,
      appName: service,
      credentials: secretsManagerCredentials(config.MONGO_CREDENTIALS_SECRET),
      logger,
      monitor,
    });
    return { db: rotating.db, close: () => rotating.close() };
  }
  const { client } = await connectMongo({
    url,
    tlsCAFile: config.MONGO_TLS_CA_FILE,
    username: config.MONGO_USERNAME,
    password: config.MONGO_PASSWORD,
    defaultDatabase: database,
    appName: service,
    monitor,
  });
  return { db: client.db(database), close: () => client.close() };
}

/** Attempts at connecting to the database before the process gives up (ECS then starts a new task). */
const DATABASE_ATTEMPTS = 6;

async function connectWithRetry<T>(logger: Logger, url: string, connect: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (err) {
      // One line with the cause and the fix, not the driver's topology dump.
      const hint = unreachableHint('mongodb', url, err, 'anywhere');
      if (attempt >= DATABASE_ATTEMPTS) throw new StartupError(`${hint} (gave up after ${attempt} attempts)`);
      const delayMs = 500 * 2 ** attempt;
      logger.warn(`${hint}; retrying in ${delayMs / 1000} s (attempt ${attempt} of ${DATABASE_ATTEMPTS})`);
      await sleep(delayMs);
    }
  }
}

export interface ServeOptions extends HttpServerOptions {
  logger: Logger;
  shutdownTimeoutMs: number;
  /** Stopped, in order, after the HTTP server has drained. */
  services: RunningService[];
}

/**
 * Serves `fetch` and shuts down gracefully on SIGTERM/SIGINT: `/ready` turns 503, consumers stop
 * taking messages and finish the ones in hand, the server stops accepting connections and answers
 * the requests in flight (with `Connection: close`), then the relay, broker and database close.
 * All of it well inside ECS's 30 s stop timeout; past SHUTDOWN_TIMEOUT_MS the process exits anyway.
 */
export function serveUntilSignal(fetch: Fetch, o: ServeOptions): Promise<Server> {
  let draining = false;
  const { server, listening, drain } = createHttpServer(fetch, o);

  const shutdown = async (signal: string) => {
    if (draining) return;
    draining = true;
    drain();
    o.logger.info('shutting down', { signal });
    const work = async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const s of o.services) await s.bus.stopConsuming();
      await closed;
      for (const s of o.services) await s.stop();
    };
    try {
      await withTimeout(work(), o.shutdownTimeoutMs, 'shutdown timed out');
      o.logger.info('stopped');
      process.exit(0);
    } catch (err) {
      o.logger.error('shutdown incomplete, exiting', { err });
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  return listening;
}

/** Entry point of one service's container: parse the environment, start, serve. */
export async function runService<C extends BaseConfig, S, D>(
  manifest: ServiceManifest<C, S, D>,
  env: NodeJS.ProcessEnv,
) {
  const config = loadConfigOrExit(configSchemaOf(manifest), env);
  const logger = loggerFromSettings(config, { service: manifest.name });
  try {
    const service = await startService(manifest, config, { logger });
    const server = await serveUntilSignal(service.fetch, {
      fast: service.fast,
      port: config.PORT,
      host: config.HOST,
      logger,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      maxConnections: config.MAX_CONNECTIONS,
      services: [service],
    });
    logger.info('listening', { address: server.address() });
  } catch (err) {
    exitOnStartupFailure(logger, err, { host: config.HOST, port: config.PORT });
  }
}

export function loadConfigOrExit<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  try {
    return parseConfig(schema, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(configErrorText(err, env));
      process.exit(1);
    }
    throw err;
  }
}

/**
 * A bad configuration as the person at the terminal reads it (one line per variable), or as one
 * JSON line (CloudWatch Logs, pipes). LOG_FORMAT and NO_COLOR are read as given: they may be the
 * bad ones.
 */
export function configErrorText(err: ConfigError, env: NodeJS.ProcessEnv): string {
  const asked = env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty' ? env.LOG_FORMAT : 'auto';
  if (resolveLogFormat(asked, process.stderr.isTTY === true) === 'json') {
    return `${JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: err.message, problems: err.problems })}\n`;
  }
  const title = env.NO_COLOR ? 'invalid configuration:' : '\u001b[31;1minvalid configuration:\u001b[0m';
  return `${title}\n${err.problems.map((p) => `  ${p}\n`).join('')}`;
}

/** A random JWT secret for the embedded platform, where nothing outlives the process anyway. */
export const ephemeralSecret = () => randomBytes(32).toString('base64url');
