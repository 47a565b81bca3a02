import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, inject } from 'vitest';
import { AmqpBus } from '../services/shared/src/bus-amqp.ts';
import { type BaseConfig, parseConfig } from '../services/shared/src/config.ts';
import type { DomainEvent } from '../services/shared/src/events.ts';
import { silentLogger } from '../services/shared/src/log.ts';
import { type RunningService, startService } from '../services/shared/src/runtime.ts';
import { configSchemaOf, type ServiceManifest } from '../services/shared/src/service.ts';
import type { Tracing } from '../services/shared/src/tracing.ts';
import { eventually } from './eventually.ts';
import { TEST_JWT_SECRET } from './processes.ts';
import { restartServer } from './servers.ts';

export { eventually, TEST_JWT_SECRET };
export const backends = () => inject('backends');

/** A name no other test uses: each suite gets its own exchange, queues and databases. */
export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** A database of its own for one suite, dropped when the suite ends. */
export function testDatabase(prefix: string) {
  const client = new MongoClient(backends().mongoUrl, { serverSelectionTimeoutMS: 5_000 });
  const db = client.db(uniqueName(prefix).replace(/-/g, '_'));
  afterAll(async () => {
    await db.dropDatabase().catch(() => {});
    await client.close();
  });
  return db;
}

export const restartBroker = (o: { hard: boolean; downMs?: number }) => restartServer(backends().broker, o);
export const restartDatabase = (o: { hard: boolean; downMs?: number }) => restartServer(backends().database, o);

/**
 * Starts a service in this process against the real servers, on an exchange and database of the
 * test's own; `stop` is its graceful shutdown.
 */
export async function startRealService<C extends BaseConfig, S, D>(
  manifest: ServiceManifest<C, S, D>,
  o: { exchange: string; database: string; env?: Record<string, string>; deps?: Partial<D>; tracing?: Tracing },
): Promise<RunningService<S>> {
  const env = {
    MONGO_URL: backends().mongoUrl,
    AMQP_URL: backends().amqpUrl,
    AMQP_EXCHANGE: o.exchange,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    OUTBOX_POLL_MS: '200',
    OUTBOX_SCAN_MS: '1000',
    ...o.env,
  };
  const config = parseConfig(configSchemaOf(manifest), env);
  const service = await startService(manifest, config, {
    database: o.database,
    logger: silentLogger,
    ...(o.deps && { deps: o.deps }),
    ...(o.tracing && { tracing: o.tracing }),
  });
  await eventually(() => service.bus.isConnected(), 20_000, `${manifest.name} connected to the broker`);
  return service;
}

/** A bus of the test's own on `exchange`, recording what reaches `consumer`'s queue. */
export async function recordingBus(exchange: string, consumer: string) {
  const bus = new AmqpBus({ url: backends().amqpUrl, exchange, prefetch: 50, logger: silentLogger, retryBaseMs: 5 });
  await bus.start();
  await bus.waitUntilConnected(20_000);
  const received: DomainEvent[] = [];
  await bus.consume(consumer, async (e) => {
    received.push(e);
  });
  return { bus, received };
}
