/**
 * `npm run new:service` as a user runs it, in a copy of the repository: the new service passes
 * its own suite (memory and MongoDB adapters, against the real servers), the types and the lint,
 * appears in every generated file, starts under `npm start` at /<name>, bundles into a file that
 * runs with plain node; then `npm run remove:service` takes it out without a trace.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, eventually } from './helpers.ts';
import { freePort } from './servers.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const NAME = 'gift-cards';
let copy: string;
const children: ChildProcess[] = [];

/** Runs a command in the copy; rejects with its output when it fails. */
async function inCopy(command: string, args: string[], env: Record<string, string> = {}) {
  try {
    return await run(command, args, {
      cwd: copy,
      env: { ...process.env, ...env },
      maxBuffer: 20 * 1024 * 1024,
      timeout: 240_000,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

async function startAndWait(args: string[], env: Record<string, string>, url: string) {
  const child = spawn(process.execPath, args, {
    cwd: copy,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'ignore',
  });
  children.push(child);
  await eventually(async () => (await fetch(url).catch(() => undefined))?.status === 200, 30_000, url);
}

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'new-service-'));
  const { stdout } = await run('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: root,
    maxBuffer: 1 << 24,
  });
  for (const file of stdout.split('\0').filter((f) => f && !f.includes('/dist/'))) {
    if (existsSync(join(root, file))) cpSync(join(root, file), join(copy, file), { recursive: true });
  }
  cpSync(join(root, 'node_modules'), join(copy, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  await inCopy(process.execPath, ['scripts/new-service.ts', NAME]);
}, 300_000);

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(copy, { recursive: true, force: true });
});

describe('npm run new:service', () => {
  it('refuses names that are taken, reserved or malformed', async () => {
    for (const bad of ['products', 'shared', 'Gift', 'a', 'x--y', 'loyalty-programme', NAME]) {
      await expect(inCopy(process.execPath, ['scripts/new-service.ts', bad]), bad).rejects.toThrow();
    }
  });

  it('makes a service that passes types, lint and the generated-files check', async () => {
    await inCopy(process.execPath, ['node_modules/.bin/tsc', '-p', 'tsconfig.json']);
    await inCopy(process.execPath, ['node_modules/.bin/biome', 'check', '.']);
    await inCopy(process.execPath, ['scripts/generate.ts', '--check']);
    const registry = JSON.parse(readFileSync(join(copy, 'services', 'registry.json'), 'utf8'));
    expect(registry.services.find((s: { name: string }) => s.name === NAME)).toMatchObject({
      subscribes: ['order.confirmed'],
    });
    expect(readFileSync(join(copy, 'nginx', 'platform.conf.template'), 'utf8')).toContain(`location /${NAME}/`);
    const compose = readFileSync(join(copy, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(`  ${NAME}:\n    <<: *service\n`);
    expect(compose).toContain(`      ${NAME}: { condition: service_healthy }`);
  });

  it('its own suite passes: unit, and the MongoDB adapter against the real server', async () => {
    const { mongoUrl, amqpUrl } = backends();
    const report = join(copy, 'vitest-report.json');
    await inCopy(
      process.execPath,
      ['node_modules/.bin/vitest', 'run', `services/${NAME}`, '--reporter=json', `--outputFile=${report}`],
      { MONGO_URL: mongoUrl, AMQP_URL: amqpUrl },
    );
    const result = JSON.parse(readFileSync(report, 'utf8'));
    const files = result.testResults.map((f: { name: string }) => f.name.slice(copy.length + 1)).sort();
    expect(files).toEqual([
      `services/${NAME}/test/app.test.ts`,
      `services/${NAME}/test/store-memory.test.ts`,
      `services/${NAME}/test/store-mongo.integration.test.ts`,
    ]);
    expect([result.numFailedTests, result.numPendingTests]).toEqual([0, 0]);
    expect(result.numPassedTests).toBeGreaterThanOrEqual(10);
  });

  it('starts under npm start at /<name>, next to the others', async () => {
    const port = await freePort();
    await startAndWait(
      ['scripts/start.ts'],
      { PORT: String(port), LOG_LEVEL: 'warn' },
      `http://127.0.0.1:${port}/${NAME}/ready`,
    );
    const doc = (await (await fetch(`http://127.0.0.1:${port}/${NAME}/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(doc.paths)).toEqual([`/${NAME}/items`]);
    expect((await fetch(`http://127.0.0.1:${port}/products/health`)).status).toBe(200);
  });

  it('bundles into one file that runs with plain node', async () => {
    await inCopy(process.execPath, ['scripts/build.ts', NAME]);
    const port = await freePort();
    await startAndWait(
      [join('services', NAME, 'dist', 'main.mjs')],
      { PORT: String(port), JWT_SECRET: 'x'.repeat(40) },
      `http://127.0.0.1:${port}/${NAME}/health`,
    );
  });

  it('npm run remove:service takes it out of every generated file', async () => {
    await inCopy(process.execPath, ['scripts/remove-service.ts', NAME]);
    expect(existsSync(join(copy, 'services', NAME))).toBe(false);
    await inCopy(process.execPath, ['scripts/generate.ts', '--check']);
    expect(readFileSync(join(copy, 'services', 'registry.json'), 'utf8')).not.toContain(NAME);
    expect(readFileSync(join(copy, 'nginx', 'platform.conf.template'), 'utf8')).not.toContain(NAME);
    expect(readFileSync(join(copy, 'docker-compose.yml'), 'utf8')).not.toContain(NAME);
    expect(readFileSync(join(copy, 'package-lock.json'), 'utf8')).not.toContain(`services/${NAME}`);
  });
});
