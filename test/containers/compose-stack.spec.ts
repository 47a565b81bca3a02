/**
 * The real docker-compose.yml, up: Compose builds the three service images from the Dockerfile
 * (BuildKit), starts the stack and waits for every health check; then the smoke flow runs through
 * nginx, each service container is checked to run as the ECS task definition runs it, one service
 * gets SIGTERM under load, and the stack is torn down, volumes and all.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceNames } from '../../scripts/lib/services.ts';

const SERVICES = serviceNames();

import { eventually } from '../eventually.ts';
import { request } from '../processes.ts';
import { freePort } from '../servers.ts';
import { composeFile, containerFacts, docker, recordedCaBundleSha256, root } from './docker.ts';

const run = promisify(execFile);
const project = `platform-stack-${process.pid}`;
const ports = { http: 0, management: 0 };
const compose = (...args: string[]) =>
  docker(['compose', '--file', composeFile, '--project-name', project, ...args], {
    HTTP_PORT: String(ports.http),
    RABBITMQ_MANAGEMENT_PORT: String(ports.management),
    DOCKER_BUILDKIT: '1',
  });
const base = () => `http://127.0.0.1:${ports.http}`;
const containerOf = (service: string) => `${project}-${service}-1`;
let up = false;

beforeAll(async () => {
  ports.http = await freePort();
  ports.management = await freePort();
  let started = Date.now();
  await compose('build');
  process.stdout.write(`[compose] images built (BuildKit) in ${Date.now() - started} ms\n`);
  started = Date.now();
  up = true;
  try {
    await compose('up', '--detach', '--wait', '--wait-timeout', '300');
  } catch (err) {
    process.stderr.write(await compose('logs', '--no-color', '--tail', '40').catch(() => ''));
    throw err;
  }
  process.stdout.write(`[compose] stack up and healthy in ${Date.now() - started} ms\n`);
});

afterAll(async () => {
  if (up) await compose('down', '--volumes', '--rmi', 'local', '--remove-orphans', '--timeout', '10');
});

describe('docker compose up (docker-compose.yml, the Dockerfile, nginx)', () => {
  it('every container runs and passes its health check', async () => {
    const lines = (await compose('ps', '--all', '--format', 'json')).split('\n').filter(Boolean);
    const states = Object.fromEntries(
      lines.map((l) => JSON.parse(l)).map((c) => [c.Service, `${c.State}/${c.Health || 'no check'}`]),
    );
    expect(states).toEqual({
      customer: 'running/healthy',
      mongo: 'running/healthy',
      nginx: 'running/healthy',
      products: 'running/healthy',
      rabbitmq: 'running/healthy',
      shopping: 'running/healthy',
    });
  });

  it('each service container: read-only, uid 65532, no shell, 0.25 vCPU and 512 MB as its cgroup enforces, /app as built', async () => {
    for (const service of SERVICES) {
      const facts = await containerFacts(containerOf(service));
      expect(facts, service).toEqual({
        uid: 65532,
        gid: 65532,
        rootWrite: 'EROFS',
        tmpWrite: 'ok',
        memoryLimit: 512 * 1024 * 1024,
        cpuQuota: 0.25,
        // and tasks/ where the service has one-off tasks (src/tasks: npm run run-task)
        appFiles: [
          'global-bundle.pem',
          'healthcheck.mjs',
          'main.mjs',
          'main.mjs.map',
          ...(existsSync(join(root, 'services', service, 'src', 'tasks')) ? ['tasks'] : []),
        ],
        caBundleSha256: recordedCaBundleSha256(),
      });
      const [inspected] = JSON.parse(await docker(['inspect', containerOf(service)]));
      expect(inspected.HostConfig.ReadonlyRootfs).toBe(true);
      expect(inspected.Config.User).toBe('65532:65532');
      await expect(docker(['exec', containerOf(service), 'sh', '-c', 'true'])).rejects.toThrow();
    }
  });

  it('npm run smoke passes through nginx', async () => {
    // Two buyers, not the default six: at 0.25 vCPU a sign-up's scrypt takes ~3.5 s and two run at
    // once, so six concurrent sign-ups outlast the smoke flow's 15 s request timeout.
    const { stdout } = await run('npm', ['run', '--silent', 'smoke', '--', '--base-url', base(), '--buyers', '2'], {
      cwd: root,
    }).catch((err) => {
      throw new Error(`npm run smoke failed:\n${err.stdout}\n${err.stderr}`);
    });
    expect(stdout).toMatch(/^PASS in \d+ ms$/m);
  });

  it('SIGTERM under load: every request in flight is answered (no 5xx), the container exits 0, then serves again', async () => {
    const email = `sigterm-${process.pid}@example.com`;
    const password = 'sigterm test password';
    const signup = await request(base(), 'POST', '/customer/signup', { body: { email, password } });
    expect(signup.status).toBe(201);
    const token = signup.body.token as string;

    type Outcome = { path: string; start: number; end: number; status: number };
    const outcomes: Outcome[] = [];
    let stopAt = Number.POSITIVE_INFINITY;
    const call = async (path: string, init: RequestInit) => {
      const start = Date.now();
      const status = await fetch(`${base()}${path}`, { ...init, signal: AbortSignal.timeout(30_000) })
        .then(async (res) => {
          await res.arrayBuffer();
          return res.status;
        })
        .catch(() => 0); // no answer at all
      outcomes.push({ path, start, end: Date.now(), status });
    };
    // Logins are slow at 0.25 vCPU (scrypt, two at a time), so some are always in the server's
    // hands; profile reads are fast and many. Bounded: each client stops after stopAt or 400 calls.
    const client = async (kind: 'login' | 'profile') => {
      for (let i = 0; i < 400 && Date.now() < stopAt; i++) {
        if (kind === 'login') {
          await call('/customer/login', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email, password }),
          });
        } else {
          await call('/customer/profile', { headers: { authorization: `Bearer ${token}` } });
        }
      }
    };
    const clients = [
      ...Array.from({ length: 3 }, () => client('login')),
      ...Array.from({ length: 4 }, () => client('profile')),
    ];
    await new Promise((r) => setTimeout(r, 4_000));
    const signalled = Date.now();
    await docker(['kill', '--signal', 'TERM', containerOf('customer')]);
    stopAt = Date.now() + 2_000;
    await Promise.all(clients);

    const before = outcomes.filter((o) => o.start < signalled);
    const inFlight = before.filter((o) => o.end > signalled);
    const after = outcomes.filter((o) => o.start >= signalled);
    process.stdout.write(
      `[sigterm] ${before.length} requests before the signal (${inFlight.length} in flight at it: ` +
        `${inFlight.filter((o) => o.path.endsWith('login')).length} logins), ${after.length} after it ` +
        `(${after.filter((o) => o.status === 502 || o.status === 0).length} found no server)\n`,
    );
    expect(inFlight.length).toBeGreaterThanOrEqual(3);
    expect(before.filter((o) => o.status !== 200)).toEqual([]);

    // the answers are out; the process may still be closing its broker and database connections
    expect(await docker(['wait', containerOf('customer')])).toBe('0');
    const state = JSON.parse(await docker(['inspect', '--format', '{{json .State}}', containerOf('customer')]));
    expect(Date.parse(state.FinishedAt) - signalled).toBeLessThan(30_000); // ECS's stopTimeout
    expect(await docker(['logs', containerOf('customer')])).toMatch(/"msg":"stopped"/);

    await compose('start', 'customer');
    await eventually(
      async () => (await fetch(`${base()}/customer/ready`).catch(() => undefined))?.status === 200,
      60_000,
      'customer back behind nginx',
    );
    expect((await request(base(), 'GET', '/customer/profile', { token })).body.email).toBe(email);
  });

  it('docker compose down removes every container, volume, network and built image of the stack', async () => {
    await compose('down', '--volumes', '--rmi', 'local', '--remove-orphans', '--timeout', '10');
    up = false;
    const label = `label=com.docker.compose.project=${project}`;
    expect(await docker(['ps', '--all', '--quiet', '--filter', label])).toBe('');
    expect(await docker(['volume', 'ls', '--quiet', '--filter', label])).toBe('');
    expect(await docker(['network', 'ls', '--quiet', '--filter', label])).toBe('');
    for (const service of SERVICES) expect(await docker(['images', '--quiet', `${project}-${service}`])).toBe('');
  });
});
