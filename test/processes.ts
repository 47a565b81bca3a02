import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from './eventually.ts';
import { type Backends, freePort } from './servers.ts';

export const TEST_JWT_SECRET = 'integration-test-secret-0123456789abcdef';

const root = join(import.meta.dirname, '..');

/** A service running as its own process, as in a container: killable, restartable. */
export interface ServiceProcess {
  name: string;
  url: string;
  start(): Promise<void>;
  /** Sends `signal` and waits for the process to exit. */
  stop(signal: NodeJS.Signals): Promise<number | null>;
  output(): string;
}

/**
 * Runs services/<name>/src/main.ts with Node (what the container runs, unbundled) against the real
 * servers, on a free port, with an exchange and database names of the test's own.
 */
export async function serviceProcess(
  name: string,
  namespace: string,
  backends: Pick<Backends, 'mongoUrl' | 'amqpUrl'>,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let log = '';
  const fullEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    PORT: String(port),
    HOST: '127.0.0.1',
    MONGO_URL: `${backends.mongoUrl.replace(/\/?$/, '/')}${namespace.replace(/\W/g, '_')}_${name}`,
    AMQP_URL: backends.amqpUrl,
    AMQP_EXCHANGE: namespace,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env.TEST_SERVICE_LOG_LEVEL ?? 'warn',
    OUTBOX_POLL_MS: '200',
    OUTBOX_SCAN_MS: '1000',
    SHUTDOWN_TIMEOUT_MS: '10000',
    ...env,
  };
  const self: ServiceProcess = {
    name,
    url,
    async start() {
      child = spawn(process.execPath, [join(root, 'services', name, 'src', 'main.ts')], {
        env: fullEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (d) => {
        log += d;
      });
      child.stderr?.on('data', (d) => {
        log += d;
      });
      await eventually(
        async () => {
          if (child?.exitCode !== null) throw new Error(`${name} exited: ${log.slice(-2000)}`);
          return (await fetch(`${url}/${name}/ready`).catch(() => undefined))?.status === 200;
        },
        30_000,
        `${name} ready`,
      );
    },
    async stop(signal) {
      const c = child;
      if (!c || c.exitCode !== null) return c?.exitCode ?? null;
      const exited = new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)));
      c.kill(signal);
      return exited;
    },
    output: () => log,
  };
  return self;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON from the API
export type Json = any;

export async function request(
  base: string,
  method: string,
  path: string,
  o: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(o.token && { authorization: `Bearer ${o.token}` }),
      ...o.headers,
    },
    ...(o.body !== undefined && { body: JSON.stringify(o.body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : undefined) as Json,
    /** Seconds, when the service said when to retry (503 and 429 do). */
    retryAfter: res.headers.has('retry-after') ? Number(res.headers.get('retry-after')) : undefined,
  };
}
