import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { Db } from 'mongodb';
import type { z } from 'zod';
import { sleep, withTimeout } from './async.ts';
import { createTokens, type Tokens } from './auth.ts';
import type { EventBus, EventHandler } from './bus.ts';
import { AmqpBus } from './bus-amqp.ts';
import { MemoryBus } from './bus-memory.ts';
import { type BaseConfig, ConfigError, parseConfig } from './config.ts';
import { type Fetch, type HttpOptions, httpOptionsFrom, type ReadinessProbe } from './http.ts';
import { createLogger, type Logger } from './log.ts';
import { connectMongo, databaseFromUrl, pingMongo, RotatingMongo } from './mongo.ts';
import { secretsManagerCredentials } from './mongo-credentials.ts';
import { OutboxRelay } from './outbox.ts';
import { createHttpServer, type HttpServerOptions } from './server.ts';
import type { ConsumerName } from './topology.ts';

/** What a service's `build` gets: its settings and connected backends. */
export interface ServiceContext<C extends BaseConfig = BaseConfig> {
  config: C;
  logger: Logger;
  tokens: Tokens;
  /** The service's own database, or undefined for the embedded in-memory store. */
  db: Db | undefined;
  bus: EventBus;
  relay: OutboxRelay;
  /** For the service app's `/ready`: store and broker reachable, not shutting down. */
  readiness: ReadinessProbe;
  /** The HTTP limits from the configuration, for createServiceApp. */
  http: HttpOptions;
}

export interface BuiltService {
  app: { fetch: Fetch };
  /** Consumer of the events bound to this service in the topology, if it has one. */
  handler?: EventHandler;
}

export interface ServiceDefinition<C extends BaseConfig = BaseConfig> {
  name: ConsumerName;
  configSchema: z.ZodType<C>;
  build(ctx: ServiceContext<C>): Promise<BuiltService>;
}

/** A service started with its backends; `stop` is the graceful shutdown. */
export interface RunningService {
  name: string;
  fetch: Fetch;
  stop(): Promise<void>;
  bus: EventBus;
  relay: OutboxRelay;
}

export interface StartOptions {
  /** Shared bus (the embedded platform runs every service on one in-memory bus). */
  bus?: EventBus;
  /** Database name, overriding the one in MONGO_URL. */
  database?: string;
  logger?: Logger;
}

/** Connects a service's backends and builds it, without opening a port. */
export async function startService<C extends BaseConfig>(
  def: ServiceDefinition<C>,
  config: C,
  options: StartOptions = {},
): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL, bindings: { service: def.name } });
  const tokens = await createTokens(
    { signing: config.JWT_SECRET, accepted: config.JWT_ACCEPTED_SECRETS },
    config.JWT_TTL_SECONDS,
    config.ADMIN_TOKEN_TTL_SECONDS,
  );

  const mongo = config.MONGO_URL
    ? await connectWithRetry(logger, () => openDatabase(config, def.name, options.database, logger))
    : undefined;

  let bus = options.bus;
  const ownsBus = !bus;
  if (!bus) {
    if (config.AMQP_URL) {
      const amqpBus = new AmqpBus({
        url: config.AMQP_URL,
        exchange: config.AMQP_EXCHANGE,
        prefetch: config.AMQP_PREFETCH,
        logger,
        connectionName: def.name,
      });
      await amqpBus.start();
      bus = amqpBus;
    } else {
      bus = new MemoryBus({ prefetch: config.AMQP_PREFETCH });
    }
  }
  const eventBus = bus;

  const relay = new OutboxRelay({
    bus: eventBus,
    logger,
    pollMs: config.OUTBOX_POLL_MS,
    scanMs: config.OUTBOX_SCAN_MS,
  });
  let draining = false;
  const readiness: ReadinessProbe = async () => ({
    store: mongo ? await pingMongo(mongo.db) : true,
    broker: eventBus.isConnected(),
    accepting: !draining,
  });

  const built = await def.build({
    config,
    logger,
    tokens,
    db: mongo?.db,
    bus: eventBus,
    relay,
    readiness,
    http: httpOptionsFrom(config),
  });
  relay.start();
  if (built.handler) await eventBus.consume(def.name, built.handler);
  logger.info('service started', {
    store: mongo ? `mongodb/${mongo.db.databaseName}` : 'memory',
    broker: config.AMQP_URL && ownsBus ? config.AMQP_URL : 'memory',
  });

  return {
    name: def.name,
    fetch: (request, env) => built.app.fetch(request, env),
    bus: eventBus,
    relay,
    async stop() {
      draining = true;
      if (ownsBus) await eventBus.stopConsuming();
      await relay.stop();
      if (ownsBus) await eventBus.close();
      await mongo?.close();
    },
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
  });
  return { db: client.db(database), close: () => client.close() };
}

async function connectWithRetry<T>(logger: Logger, connect: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (err) {
      if (attempt >= 6) throw err;
      logger.warn('database not reachable yet, retrying', { attempt, err: err instanceof Error ? err.message : err });
      await sleep(500 * 2 ** attempt);
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
export async function runService<C extends BaseConfig>(def: ServiceDefinition<C>, env: NodeJS.ProcessEnv) {
  const config = loadConfigOrExit(def.configSchema, env);
  const logger = createLogger({ level: config.LOG_LEVEL, bindings: { service: def.name } });
  const service = await startService(def, config, { logger });
  const server = await serveUntilSignal(service.fetch, {
    port: config.PORT,
    host: config.HOST,
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    maxConnections: config.MAX_CONNECTIONS,
    services: [service],
  });
  logger.info('listening', { address: server.address() });
}

export function loadConfigOrExit<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  try {
    return parseConfig(schema, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${JSON.stringify({ level: 'error', msg: err.message })}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** A random JWT secret for the embedded platform, where nothing outlives the process anyway. */
export const ephemeralSecret = () => randomBytes(32).toString('base64url');
