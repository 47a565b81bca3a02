/**
 * A Docker engine that answers but cannot give an image: `npm run servers` (and the test harness,
 * which is the same code) says so in one line and uses the local programs instead; with
 * TEST_BACKENDS=containers it refuses in one line, without a stack trace.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { root } from './docker.ts';

const missing = 'platform-standin/no-such-image:0';
let child: ChildProcess | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGTERM'); // npm run servers stops its servers on SIGTERM
    await exited;
  }
});

/** Runs `npm run servers`' script until it prints its first stdout line or exits. */
function servers(env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  child = spawn(process.execPath, [join(root, 'scripts', 'dev-servers.ts')], {
    env: { ...process.env, MONGO_URL: '', AMQP_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const c = child;
  return new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
    c.stdout?.on('data', (d) => {
      stdout += d;
      if (stdout.includes('\n')) resolve({ stdout, stderr, code: null });
    });
    c.stderr?.on('data', (d) => {
      stderr += d;
    });
    c.once('exit', (code) => resolve({ stdout, stderr, code }));
  });
}

describe('Docker answers, an image cannot be had', () => {
  it('npm run servers says so in one line and starts the local programs instead', async () => {
    const { stdout, stderr, code } = await servers({ RABBITMQ_IMAGE: missing, TEST_BACKENDS: '' });
    expect(code).toBeNull(); // still running, serving
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^\\[test servers\\] Docker answers, but ${missing} is not on this machine and cannot be pulled \\(.+\\): using local programs instead$`,
        ),
      ),
    ]);
    expect(stdout).toMatch(/^servers up \(local programs: /);
  });

  it('with TEST_BACKENDS=containers it refuses, in one line, naming the image', async () => {
    const { stderr, code } = await servers({ MONGO_IMAGE: missing, TEST_BACKENDS: 'containers' });
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`TEST_BACKENDS=containers, but ${missing} is not on this machine and cannot be pulled`);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
