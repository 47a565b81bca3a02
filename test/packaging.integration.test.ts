/**
 * The images' contents, tested without a Docker engine: each bundle is copied alone into an empty
 * directory (no node_modules anywhere above it) and started with plain `node`, against the real
 * servers; Debian's nginx runs compose's proxy template (same file, ports and upstreams filled in)
 * in front of them; the smoke flow passes through it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../scripts/build.ts';
import { upstreamVariables } from '../scripts/generate.ts';
import { serviceNames } from '../scripts/lib/services.ts';

const SERVICES = serviceNames();

import { runSmoke } from '../scripts/smoke.ts';
import { backends, eventually, TEST_JWT_SECRET, uniqueName } from './helpers.ts';
import { freePort } from './servers.ts';

const root = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'bundles-'));
const namespace = uniqueName('bundles');
const children: ChildProcess[] = [];
const ports: Record<string, number> = {};
let nginxPort = 0;
let logs = '';

const nginxBinary = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'].find((p) =>
  existsSync(p),
);

function start(command: string, args: string[], cwd: string, env: Record<string, string>) {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => {
    logs += d;
  });
  child.stderr?.on('data', (d) => {
    logs += d;
  });
  children.push(child);
  return child;
}

/** What the nginx image's entrypoint does with /etc/nginx/templates: substitute the given variables. */
function render(template: string, vars: Record<string, string>) {
  return template.replace(/\$\{([A-Z_]+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

beforeAll(async () => {
  if (!nginxBinary) throw new Error('the proxy test needs nginx: apt-get install nginx-light (or nginx)');
  for (const service of SERVICES) {
    await bundle(service);
    const dir = join(work, service);
    cpSync(join(root, 'services', service, 'dist'), dir, { recursive: true });
    ports[service] = await freePort();
    start(process.execPath, ['main.mjs'], dir, {
      PATH: '/usr/bin:/bin',
      PORT: String(ports[service]),
      HOST: '127.0.0.1',
      SERVICE_NAME: service,
      MONGO_URL: `${backends().mongoUrl.replace(/\/?$/, '/')}${namespace.replace(/\W/g, '_')}_${service}`,
      AMQP_URL: backends().amqpUrl,
      AMQP_EXCHANGE: namespace,
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_EMAILS: 'smoke-admin@example.com',
      LOG_LEVEL: 'warn',
    });
  }
  nginxPort = await freePort();
  const conf = join(work, 'nginx');
  mkdirSync(conf);
  chmodSync(work, 0o755);
  chmodSync(conf, 0o777); // nginx workers may run as another user
  writeFileSync(
    join(conf, 'platform.conf'),
    render(readFileSync(join(root, 'nginx', 'platform.conf.template'), 'utf8'), {
      NGINX_PORT: `127.0.0.1:${nginxPort}`,
      ...upstreamVariables(SERVICES, (name) => `127.0.0.1:${ports[name]}`),
    }),
  );
  writeFileSync(
    join(conf, 'nginx.conf'),
    [
      'worker_processes 1;',
      `pid ${conf}/nginx.pid;`,
      `error_log ${conf}/error.log warn;`,
      'events { worker_connections 512; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${conf}/${t}_temp;`),
      `  include ${conf}/platform.conf;`,
      '}',
    ].join('\n'),
  );
  execFileSync(nginxBinary, ['-t', '-q', '-c', join(conf, 'nginx.conf'), '-g', 'daemon off;']);
  start(nginxBinary, ['-c', join(conf, 'nginx.conf'), '-g', 'daemon off;'], conf, { PATH: '/usr/bin:/bin' });
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
});

describe('bundles and the nginx proxy', () => {
  it('each bundle alone starts with plain node and is ready against the real servers', async () => {
    expect(existsSync(join(work, 'node_modules'))).toBe(false);
    for (const service of SERVICES) {
      // the bundle, its map, the health check, and one-off task scripts if the service has any
      const files = readdirSync(join(work, service)).filter((f) => f !== 'tasks');
      expect(files.sort()).toEqual(['healthcheck.mjs', 'main.mjs', 'main.mjs.map']);
      await eventually(
        async () =>
          (await fetch(`http://127.0.0.1:${ports[service]}/${service}/ready`).catch(() => undefined))?.status === 200,
        30_000,
        `${service} ready\n${logs}`,
      );
      // the image's health check script, as ECS runs it
      const check = spawn(process.execPath, ['healthcheck.mjs'], {
        cwd: join(work, service),
        env: { PORT: String(ports[service]), SERVICE_NAME: service },
      });
      expect(await new Promise((r) => check.once('exit', r))).toBe(0);
    }
  });

  it('nginx routes by path exactly as the ALB does, and answers 404 elsewhere', async () => {
    const base = `http://127.0.0.1:${nginxPort}`;
    await eventually(
      async () => (await fetch(`${base}/shopping/health`).catch(() => undefined))?.status === 200,
      10_000,
      'nginx up',
    );
    for (const service of SERVICES) {
      const res = await fetch(`${base}/${service}/health`);
      expect(await res.json()).toEqual({ status: 'ok', service });
    }
    expect((await fetch(`${base}/products`)).status).toBe(200); // the bare prefix too
    const other = await fetch(`${base}/billing/health`);
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('the smoke flow passes through nginx and the bundles', async () => {
    const lines: string[] = [];
    const ok = await runSmoke({
      baseUrl: `http://127.0.0.1:${nginxPort}`,
      adminEmail: 'smoke-admin@example.com',
      adminPassword: 'smoke-admin-password',
      buyers: 6,
      settleMs: 30_000,
      log: (l) => lines.push(l),
    });
    expect(ok, `${lines.join('\n')}\n${logs}`).toBe(true);
  });
});
