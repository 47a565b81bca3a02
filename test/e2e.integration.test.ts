/**
 * The contract's whole flow through `npm start` (the gateway and all three services in one
 * process), once with the embedded store and bus, once with the real servers: the same smoke
 * flow users run against compose or the ALB (scripts/smoke.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runSmoke } from '../scripts/smoke.ts';
import { backends, uniqueName } from './helpers.ts';
import { untilPlatformReady } from './platform-ready.ts';
import { freePort } from './servers.ts';

let platform: ChildProcess | undefined;
let output = '';
afterEach(async () => {
  if (platform && platform.exitCode === null) {
    const exited = new Promise((r) => platform?.once('exit', r));
    platform.kill('SIGTERM');
    await exited;
  }
});

async function startPlatform(env: Record<string, string>) {
  const port = await freePort();
  output = '';
  platform = spawn(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'start.ts')], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  platform.stdout?.on('data', (d) => {
    output += d;
  });
  platform.stderr?.on('data', (d) => {
    output += d;
  });
  const base = `http://127.0.0.1:${port}`;
  await untilPlatformReady(base);
  return base;
}

async function smoke(base: string) {
  const lines: string[] = [];
  const ok = await runSmoke({
    baseUrl: base,
    adminEmail: 'smoke-admin@example.com',
    adminPassword: 'smoke-admin-password',
    buyers: 8,
    settleMs: 30_000,
    log: (l) => lines.push(l),
  });
  expect(ok, `${lines.join('\n')}\n--- platform output\n${output}`).toBe(true);
}

describe('npm start: the whole flow through the gateway', () => {
  it('with the embedded store and bus (a fresh clone, no servers)', async () => {
    await smoke(await startPlatform({}));
    expect(output).not.toMatch(/"level":"error"/);
  });

  it('with RabbitMQ and a MongoDB-compatible server', async () => {
    const base = await startPlatform({
      MONGO_URL: backends().mongoUrl,
      AMQP_URL: backends().amqpUrl,
      AMQP_EXCHANGE: uniqueName('e2e'),
      JWT_SECRET: 'e2e-secret-0123456789abcdef0123456789',
      ADMIN_EMAILS: 'smoke-admin@example.com',
    });
    await smoke(base);
  });

  it('SIGTERM: answers the requests in flight, then exits well within the ECS stop timeout', async () => {
    const base = await startPlatform({});
    // sign-ups take a few hundred ms each (scrypt): still running when the signal arrives
    const inFlight = Array.from({ length: 4 }, (_, i) =>
      fetch(`${base}/customer/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `drain-${i}@example.com`, password: 'long enough' }),
      }).then(
        (r) => r.status,
        (err: Error) => err.message,
      ),
    );
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const exited = new Promise((r) => platform?.once('exit', r));
    platform?.kill('SIGTERM');
    expect(await Promise.all(inFlight)).toEqual([201, 201, 201, 201]);
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
