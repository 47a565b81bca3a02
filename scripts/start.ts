/**
 * `npm start`: every service in one process behind a gateway that routes like the ALB, on
 * http://127.0.0.1:${PORT:-8080}. Without MONGO_URL / AMQP_URL it runs on the embedded store
 * and bus, so a fresh clone needs no servers; set them to use real ones.
 */
import { createLogger } from '@platform/shared/log';
import { type PlatformService, startPlatform } from '@platform/shared/platform';
import { ephemeralSecret, loadConfigOrExit } from '@platform/shared/runtime';
import { configSchemaOf } from '@platform/shared/service';
import * as z from 'zod';
import { loadManifests } from './lib/services.ts';

const gatewayConfig = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).default(20_000),
  MAX_CONNECTIONS: z.coerce.number().int().min(16).default(2048),
});

const env: NodeJS.ProcessEnv = { ...process.env };
const gateway = loadConfigOrExit(gatewayConfig, env);
const logger = createLogger({ level: gateway.LOG_LEVEL, bindings: { service: 'gateway' } });
if (!env.JWT_SECRET) {
  env.JWT_SECRET = ephemeralSecret();
  logger.warn('JWT_SECRET not set: using a random one for this run; tokens will not survive a restart');
}
if (!env.ADMIN_EMAILS && !env.MONGO_URL) {
  // Embedded mode is a local sandbox: give it admins, so products can be created at once.
  env.ADMIN_EMAILS = 'admin@example.com,smoke-admin@example.com';
  logger.warn('ADMIN_EMAILS not set: admin@example.com and smoke-admin@example.com sign up as admins');
}
const manifests = await loadManifests();
const services: PlatformService[] = manifests.map((manifest) => ({
  manifest,
  config: loadConfigOrExit(configSchemaOf(manifest), env),
}));

const { server } = await startPlatform(services, {
  port: gateway.PORT,
  host: gateway.HOST,
  shutdownTimeoutMs: gateway.SHUTDOWN_TIMEOUT_MS,
  maxConnections: gateway.MAX_CONNECTIONS,
  logger,
});
const address = server.address();
const port = typeof address === 'object' && address ? address.port : gateway.PORT;
logger.info('platform ready', {
  url: `http://${gateway.HOST}:${port}`,
  services: manifests.map((m) => `/${m.name}`),
  store: env.MONGO_URL ? 'mongodb' : 'embedded',
  broker: env.AMQP_URL ? 'rabbitmq' : 'embedded',
});
