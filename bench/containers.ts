/**
 * `node bench/containers.ts`: figures of the service images, measured on this machine's Docker
 * engine under the task definition's limits (0.25 vCPU, 512 MB, read-only root filesystem):
 *
 *  - bytes each image adds to its base (the runtime image it is built on);
 *  - time from `docker run` to /<service>/ready answering 200 (backends connected), median of 3;
 *  - memory as the container's cgroup reports it (what ECS shows): idle after start, then at its
 *    peak and at the end of a load (autocannon in a process of its own, bench/load.ts), with the
 *    requests/s the quarter vCPU sustained; and the time one sign-up takes (scrypt) at that size.
 *
 * Needs the images of `npm run test:containers` (platform-test/<service>:classic) and the broker and
 * database images (RABBITMQ_IMAGE / MONGO_IMAGE, e.g. the stand-ins of .ci/docker-standins.sh).
 * Knobs: BENCH_DURATION (s of load, default 15), BENCH_CONNECTIONS (default 16).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { serviceNames } from '../scripts/lib/services.ts';

const SERVICES = serviceNames();

import { createTokens } from '../services/shared/src/auth.ts';
import { uuidv7 } from '../services/shared/src/ids.ts';
import { baseImages, cgroupMemory, classicImage, docker, memoryUsage } from '../test/containers/docker.ts';
import { eventually } from '../test/eventually.ts';
import { request } from '../test/processes.ts';
import { serverImages } from '../test/servers.ts';

const duration = Number(process.env.BENCH_DURATION ?? 15);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const secret = 'bench-containers-secret-0123456789abcdef';
const run = uuidv7().slice(-8);
const network = `bench-containers-${run}`;
const started: string[] = [];
const charged: string[] = [];
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function startService(service: string): Promise<{ id: string; url: string; readyMs: number }> {
  const t0 = performance.now();
  const id = await docker([
    'run',
    '--detach',
    '--network',
    network,
    '--read-only',
    '--tmpfs',
    '/tmp',
    '--cpus',
    '0.25',
    '--memory',
    '512m',
    '--publish',
    '127.0.0.1::8080',
    '--env',
    `SERVICE_NAME=${service}`,
    '--env',
    `MONGO_URL=mongodb://mongo:27017/${service}`,
    '--env',
    'AMQP_URL=amqp://guest:guest@rabbitmq:5672',
    '--env',
    `JWT_SECRET=${secret}`,
    '--env',
    'LOG_LEVEL=warn',
    classicImage(service),
  ]);
  started.push(id);
  const port = (await docker(['port', id, '8080/tcp'])).split('\n')[0]?.split(':').pop();
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    async () => (await fetch(`${url}/${service}/ready`).catch(() => undefined))?.status === 200,
    60_000,
    `${service} ready`,
  );
  return { id, url, readyMs: performance.now() - t0 };
}

function load(spec: object): Promise<{ requestsPerSec: number; latencyP99: number; non2xx: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'load.ts')], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load exited ${code}`))));
    child.stdin.end(JSON.stringify(spec));
  });
}

async function imageSize(image: string) {
  return Number(await docker(['image', 'inspect', '--format', '{{.Size}}', image]));
}

try {
  await docker(['network', 'create', network]);
  const images = serverImages();
  for (const [alias, image] of [
    ['rabbitmq', images.rabbitmq],
    ['mongo', images.mongo],
  ] as const) {
    started.push(await docker(['run', '--detach', '--network', network, '--network-alias', alias, image]));
  }
  // the broker is up once a service connects: the first start waits for it and is not counted
  const warm = await startService('products');
  await docker(['rm', '--force', warm.id]);

  const base = baseImages().NODE_RUNTIME_IMAGE;
  const baseBytes = await imageSize(base);
  process.stdout.write(`\nImages (base ${base}: ${mib(baseBytes)})\n`);
  for (const service of SERVICES) {
    const bytes = await imageSize(classicImage(service));
    process.stdout.write(
      `  ${service.padEnd(9)} ${mib(bytes).padStart(10)}  adds ${(bytes - baseBytes).toLocaleString('en')} bytes (${mib(bytes - baseBytes)}) to its base\n`,
    );
  }

  const admin = await (await createTokens(secret, 3600)).issue({ id: uuidv7(), email: 'a@example.com', role: 'admin' });
  process.stdout.write(
    `\nUnder 0.25 vCPU / 512 MB, read-only (memory: docker stats, the cgroup's usage less page cache)\n`,
  );
  process.stdout.write(
    `  service   start->ready (median of 3)   idle       load: peak     end        req/s   p99 ms  non-2xx\n`,
  );
  for (const service of SERVICES) {
    const readies: number[] = [];
    let last = { id: '', url: '', readyMs: 0 };
    for (let i = 0; i < 3; i++) {
      if (last.id) await docker(['rm', '--force', last.id]);
      last = await startService(service);
      readies.push(last.readyMs);
    }
    await new Promise((r) => setTimeout(r, 5_000));
    const idle = await memoryUsage(last.id);
    const idleCharged = await cgroupMemory(last.id);
    let path = '/customer/profile';
    let token: string | undefined;
    if (service === 'customer') {
      const signupStarted = performance.now();
      const res = await request(last.url, 'POST', '/customer/signup', {
        body: { email: `bench-${run}@example.com`, password: 'bench password' },
      });
      process.stdout.write(`  (one sign-up at 0.25 vCPU: ${Math.round(performance.now() - signupStarted)} ms)\n`);
      token = res.body.token;
    } else if (service === 'products') {
      const res = await request(last.url, 'POST', '/products', {
        token: admin,
        body: { name: 'Bench tea', category: 'bench', unit: 'box', priceCents: 450, stock: 10 },
      });
      path = `/products/${res.body.id}`;
    } else {
      token = admin;
      path = '/shopping/cart';
    }
    let peak = idle;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await memoryUsage(last.id));
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const result = await load({
      url: last.url,
      connections,
      duration,
      requests: [{ method: 'GET', path, ...(token && { headers: { authorization: `Bearer ${token}` } }) }],
    });
    sampling = false;
    await sampler;
    const end = await memoryUsage(last.id);
    const endCharged = await cgroupMemory(last.id);
    process.stdout.write(
      `  ${service.padEnd(9)} ${`${Math.round(median(readies))} ms (${readies.map(Math.round).join(', ')})`.padEnd(28)} ` +
        `${mib(idle).padEnd(10)} ${mib(peak).padEnd(14)} ${mib(end).padEnd(10)} ${String(Math.round(result.requestsPerSec)).padStart(5)}  ` +
        `${String(result.latencyP99).padStart(6)}  ${result.non2xx}  (GET ${path.replace(/[0-9a-f-]{36}/, ':id')})\n`,
    );
    charged.push(`  ${service.padEnd(9)} idle ${mib(idleCharged)}, after the load ${mib(endCharged)}`);
    await docker(['rm', '--force', last.id]);
  }
  process.stdout.write(
    `\nThe cgroup's whole charge, page cache included (memory.current / usage_in_bytes)\n${charged.join('\n')}\n`,
  );
} finally {
  if (started.length > 0) await docker(['rm', '--force', ...started]).catch(() => '');
  await docker(['network', 'rm', network]).catch(() => '');
}
