/**
 * `npm start`: every service in one process behind a gateway that routes like the ALB, on
 * http://127.0.0.1:${PORT:-8080}. Without MONGO_URL / AMQP_URL it runs on the embedded store
 * and bus, so a fresh clone needs no servers; set them to use real ones.
 *
 * It fails fast and says why (docs/LOCAL.md): a bad setting is named with the rule and the value
 * given; a server that does not answer is said in one line with the fix (preflight.ts); a busy
 * port too. "platform ready" comes only once every service's /ready says so (readiness.ts).
 */
import { int, logFormat } from '@platform/shared/config';
import { loggerFromSettings } from '@platform/shared/log';
import { type PlatformService, startPlatform } from '@platform/shared/platform';
import { ephemeralSecret, loadConfigOrExit } from '@platform/shared/runtime';
import { configSchemaOf } from '@platform/shared/service';
import { exitOnStartupFailure } from '@platform/shared/startup';
import * as z from 'zod';
import { apiDocs } from './lib/api-docs.ts';
import { serverChecks, waitForServers } from './lib/preflight.ts';
import { waitUntilReady, watchReadiness } from './lib/readiness.ts';
import { loadManifests } from './lib/services.ts';

const gatewayConfig = z.object({
  PORT: int(0, 65535, 8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  LOG_FORMAT: logFormat,
  NO_COLOR: z.string().optional(),
  SHUTDOWN_TIMEOUT_MS: int(1000, 120_000, 20_000),
  MAX_CONNECTIONS: int(16, 100_000, 2048),
  /** How long to wait for the servers, then for every service's /ready, before giving up; 0: forever. */
  STARTUP_TIMEOUT_MS: int(0, 3_600_000, 10_000),
});

const env: NodeJS.ProcessEnv = { ...process.env };
const gateway = loadConfigOrExit(gatewayConfig, env);
const logger = loggerFromSettings(gateway, { service: 'gateway' });
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

// Every service reads the same MONGO_URL and AMQP_URL: the first one's settings name the servers.
const checks = services[0] ? serverChecks(services[0].config) : [];
if (!(await waitForServers(checks, { logger, timeoutMs: gateway.STARTUP_TIMEOUT_MS }))) process.exit(1);

const store = env.MONGO_URL ? 'mongodb' : 'embedded';
const broker = env.AMQP_URL ? 'rabbitmq' : 'embedded';
const started = await startPlatform(services, {
  port: gateway.PORT,
  host: gateway.HOST,
  shutdownTimeoutMs: gateway.SHUTDOWN_TIMEOUT_MS,
  maxConnections: gateway.MAX_CONNECTIONS,
  logger,
  pages: (running) =>
    apiDocs(
      running.map((s) => ({
        name: s.name,
        fetch: s.fetch,
        description: manifests.find((m) => m.name === s.name)?.description ?? '',
      })),
      { store, broker, admins: store === 'embedded' ? (services[0]?.config.ADMIN_EMAILS ?? []) : [] },
    ),
}).catch(async (err: unknown) =>
  exitOnStartupFailure(logger, err, {
    host: gateway.HOST,
    port: gateway.PORT,
    rerun: (port) => `PORT=${port} npm start`,
    holder: (await isPlatformAt(gateway.HOST, gateway.PORT)) ? 'by another npm start of this platform' : undefined,
  }),
);

const address = started.server.address();
const port = typeof address === 'object' && address ? address.port : gateway.PORT;
const url = `http://${gateway.HOST.includes(':') ? `[${gateway.HOST}]` : gateway.HOST}:${port}`;
if (!(await waitUntilReady(started.services, { logger, timeoutMs: gateway.STARTUP_TIMEOUT_MS }))) process.exit(1);
logger.info('platform ready', {
  url,
  docs: `${url}/`,
  services: manifests.map((m) => `/${m.name}`),
  store,
  broker,
});
const stopWatching = watchReadiness(started.services, logger);
process.once('SIGTERM', stopWatching);
process.once('SIGINT', stopWatching);

/** Whether what holds the port answers like this platform's gateway (another `npm start`). */
async function isPlatformAt(host: string, port: number): Promise<boolean> {
  const target = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const name = manifests[0]?.name;
  if (!name) return false;
  try {
    const response = await fetch(`http://${target}:${port}/${name}/health`, { signal: AbortSignal.timeout(1_000) });
    return ((await response.json()) as { service?: unknown }).service === name;
  } catch {
    return false;
  }
}
