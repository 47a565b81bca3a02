/**
 * Starts `npm start` (scripts/start.ts) as a child process for the benchmarks, drills and the
 * fuzzer: the gateway and the three services in one process, embedded or on real servers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createTokens } from '../services/shared/src/auth.ts';
import { uuidv7 } from '../services/shared/src/ids.ts';
import { untilPlatformReady } from '../test/platform-ready.ts';
import { freePort } from '../test/servers.ts';

export const BENCH_JWT_SECRET = 'bench-secret-0123456789abcdef0123456789';
export const ADMIN_EMAIL = 'bench-admin@example.com';

export interface Platform {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  adminToken: string;
  /** What the platform wrote to stdout and stderr, when started with `capture`. */
  output(): string;
  stop(): Promise<void>;
}

export async function startPlatform(
  env: Record<string, string> = {},
  /**
   * capture: keep what it writes (output()); discard: read it and drop it, as a terminal or a log
   * shipper would (the process pays for writing its logs); else it goes to this process's output.
   */
  o: { capture?: boolean; discard?: boolean } = {},
): Promise<Platform> {
  const port = await freePort();
  // BENCH_PLATFORM_DIR: another checkout's npm start, driven by this bench (before/after figures)
  const platformDir = process.env.BENCH_PLATFORM_DIR ?? join(import.meta.dirname, '..');
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, join(platformDir, 'scripts', 'start.ts')], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      JWT_SECRET: BENCH_JWT_SECRET,
      ADMIN_EMAILS: ADMIN_EMAIL,
      // e.g. BENCH_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile what the bench drives
      ...(process.env.BENCH_NODE_OPTIONS && { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS }),
      // e.g. BENCH_ENV='{"ORDER_LAG_TARGET_MS":"250"}': settings of the platform to compare
      ...(process.env.BENCH_ENV && (JSON.parse(process.env.BENCH_ENV) as Record<string, string>)),
      ...env,
    },
    stdio: o.capture || o.discard ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
  });
  const chunks: string[] = [];
  const keep = (d: Buffer) => {
    if (o.capture) chunks.push(String(d));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  await untilPlatformReady(url);
  const tokens = await createTokens(BENCH_JWT_SECRET, 24 * 3600);
  const adminToken = await tokens.issue({ id: uuidv7(), email: ADMIN_EMAIL, role: 'admin' });
  return {
    url,
    port,
    pid: child.pid ?? 0,
    child,
    adminToken,
    output: () => chunks.join(''),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
