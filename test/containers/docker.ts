/**
 * The Docker CLI for the container suites, and the images they need: the real ones where a
 * registry answers, else whatever the image variables name (the stand-ins of
 * .ci/docker-standins.sh). Missing images are reported in one line each, never as a stack trace.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serverImages, unavailableImage } from '../servers.ts';

const run = promisify(execFile);
export const root = join(import.meta.dirname, '..', '..');
export const composeFile = join(root, 'docker-compose.yml');

export async function docker(args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await run('docker', args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (err) {
    // a build prints its steps' output on stdout and only its verdict on stderr: keep the end of both
    const e = err as { stdout?: string; stderr?: string; message: string };
    const output = [e.stdout?.trim().slice(-2000), (e.stderr || e.message).trim().slice(-2000)].filter(Boolean);
    throw new Error(`docker ${args.join(' ')} failed:\n${output.join('\n')}`);
  }
}

/** The Dockerfile's base images: its ARG defaults, or the variables of the same names. */
export function baseImages(): Record<'NODE_BUILD_IMAGE' | 'NODE_RUNTIME_IMAGE', string> {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const arg = (name: string) => {
    const fallback = text.match(new RegExp(`^ARG ${name}=(\\S+)$`, 'm'))?.[1];
    if (!fallback) throw new Error(`the Dockerfile has no ARG ${name}=<image>`);
    return process.env[name] || fallback;
  };
  return { NODE_BUILD_IMAGE: arg('NODE_BUILD_IMAGE'), NODE_RUNTIME_IMAGE: arg('NODE_RUNTIME_IMAGE') };
}

/** The images docker-compose.yml runs as they are (its services without a build), variables applied. */
export async function composeImages(): Promise<string[]> {
  const config = JSON.parse(await docker(['compose', '--file', composeFile, 'config', '--format', 'json']));
  return Object.values<{ image?: string; build?: unknown }>(config.services)
    .filter((s) => !s.build && s.image)
    .map((s) => s.image as string);
}

/** Fails, in a few lines, unless Docker, Compose v2 and every image the suites use are there. */
export async function requireDockerAndImages(): Promise<void> {
  const hint =
    'Where no registry answers, build the stand-ins and select them: bash .ci/docker-standins.sh; ' +
    'set -a; . ~/.cache/platform-docker/standins.env; set +a (docs/CONTAINERS.md).';
  await docker(['info', '--format', '{{.ServerVersion}}']).catch(() => {
    throw new Error(`npm run test:containers needs a Docker engine, and none answers. ${hint}`);
  });
  await docker(['compose', 'version']).catch(() => {
    throw new Error(`npm run test:containers needs Docker Compose v2 (docker compose). ${hint}`);
  });
  const images = [
    ...new Set([...Object.values(baseImages()), ...Object.values(serverImages()), ...(await composeImages())]),
  ];
  const why = await unavailableImage(images);
  if (why) throw new Error(`${why}. ${hint}`);
}

/** The SHA-256 recorded beside certs/rds-global-bundle.pem, which the build checks. */
export const recordedCaBundleSha256 = () =>
  readFileSync(join(root, 'certs', 'rds-global-bundle.pem.sha256'), 'utf8').split(/\s+/)[0] as string;

/** The service images the suites run: built from the Dockerfile by the classic builder. */
export const classicImage = (service: string) => `platform-test/${service}:classic`;

export async function buildWithClassicBuilder(service: string): Promise<void> {
  const bases = Object.entries(baseImages()).flatMap(([name, image]) => ['--build-arg', `${name}=${image}`]);
  await docker(['build', '--build-arg', `SERVICE=${service}`, ...bases, '--tag', classicImage(service), root], {
    DOCKER_BUILDKIT: '0',
  });
}

export interface ContainerFacts {
  uid: number;
  gid: number;
  rootWrite: string;
  tmpWrite: string;
  memoryLimit: number;
  cpuQuota: number;
  appFiles: string[];
  caBundleSha256: string;
}

/**
 * What a running service container is, seen from inside with its own node (the image has no
 * shell): its user, whether / and /tmp can be written, its cgroup's memory and CPU limits
 * (cgroup v2 or v1), so the limits are checked as enforced, not only as declared, and what /app holds.
 */
export async function containerFacts(container: string): Promise<ContainerFacts> {
  const script = `
    const fs = require('node:fs');
    const read = (...files) => { for (const f of files) { try { return fs.readFileSync(f, 'utf8').trim(); } catch {} } return ''; };
    const attempt = (file) => { try { fs.writeFileSync(file, 'x'); fs.rmSync(file); return 'ok'; } catch (e) { return e.code; } };
    const v2cpu = read('/sys/fs/cgroup/cpu.max').split(' ');
    const quota = v2cpu.length === 2 && v2cpu[0] !== 'max' ? Number(v2cpu[0]) / Number(v2cpu[1])
      : Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us')) /
        Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us'));
    console.log(JSON.stringify({
      uid: process.getuid(), gid: process.getgid(),
      rootWrite: attempt('/app/probe'), tmpWrite: attempt('/tmp/probe'),
      memoryLimit: Number(read('/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes')),
      cpuQuota: quota,
      appFiles: fs.readdirSync('/app').sort(),
      caBundleSha256: require('node:crypto').createHash('sha256').update(fs.readFileSync('/app/global-bundle.pem')).digest('hex'),
    }));`;
  return JSON.parse(await docker(['exec', container, '/nodejs/bin/node', '-e', script]));
}

/** The container cgroup's whole charge, page cache included (memory.current, or v1's usage_in_bytes). */
export async function cgroupMemory(container: string): Promise<number> {
  const script = `const fs = require('node:fs');
    for (const f of ['/sys/fs/cgroup/memory.current', '/sys/fs/cgroup/memory/memory.usage_in_bytes'])
      try { console.log(fs.readFileSync(f, 'utf8').trim()); break; } catch {}`;
  return Number(await docker(['exec', container, '/nodejs/bin/node', '-e', script]));
}

/** Memory the container's cgroup charges less its page cache (docker stats; what ECS reports), in bytes. */
export async function memoryUsage(container: string): Promise<number> {
  const stats = JSON.parse(await docker(['stats', '--no-stream', '--format', '{{json .}}', container]));
  return parseSize(stats.MemUsage.split('/')[0]);
}

export function parseSize(text: string): number {
  const m = text.trim().match(/^([\d.]+)\s*([KMGT]?i?B)$/);
  if (!m) throw new Error(`not a size: ${text}`);
  const unit = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 }[
    m[2] as string
  ];
  return Number(m[1]) * (unit ?? Number.NaN);
}
