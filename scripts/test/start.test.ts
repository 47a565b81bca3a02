/**
 * `npm start` (scripts/start.ts) and a single service as processes, failing as a newcomer's
 * would: a bad setting, servers that are not there, a busy port. Each must end at once with exit
 * code 1 and a line that says what to do, never "platform ready" and never a stack.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { listenProblem } from '@platform/shared/startup';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../test/servers.ts';
import { testListeners } from './listeners.ts';

const root = join(import.meta.dirname, '..', '..');
const SECRET = 'start-test-secret-0123456789abcdef0123';

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}
const running: Run[] = [];
const holders = testListeners();
afterEach(async () => {
  for (const r of running.splice(0)) {
    if (r.child.exitCode === null) r.child.kill('SIGTERM');
    await r.exited;
  }
  await holders.closeAll();
});

function run(script: string, env: Record<string, string>): Run {
  const child = spawn(process.execPath, [join(root, script)], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const r = { child, output: () => out, exited };
  running.push(r);
  return r;
}

/** The messages of the JSON lines a process wrote (stdout is a pipe: JSON). */
const messages = (output: string) =>
  output
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { msg: string }).msg);

async function until(r: Run, pattern: RegExp, ms = 30_000): Promise<void> {
  const started = Date.now();
  while (!pattern.test(r.output())) {
    if (r.child.exitCode !== null) throw new Error(`exited ${r.child.exitCode} before ${pattern}:\n${r.output()}`);
    if (Date.now() - started > ms) throw new Error(`no ${pattern} within ${ms} ms:\n${r.output()}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

const hold = (server: Server) => holders.listen(server);

describe('npm start refuses bad settings by name, rule and value', () => {
  it('PORT=abc', async () => {
    const r = run('scripts/start.ts', { PORT: 'abc', STARTUP_TIMEOUT_MS: 'soon' });
    expect(await r.exited).toBe(1);
    const [line, ...rest] = r.output().trim().split('\n');
    expect(rest).toEqual([]);
    expect(JSON.parse(line as string).problems).toEqual([
      'PORT must be a whole number from 0 to 65535 (got "abc")',
      'STARTUP_TIMEOUT_MS must be a whole number from 0 to 3600000 (got "soon")',
    ]);
  });
});

describe('servers that are not there', () => {
  it('says per server what it tried and the fix, gives up after STARTUP_TIMEOUT_MS, never says ready', async () => {
    const [mongoPort, amqpPort] = [await freePort(), await freePort()];
    const r = run('scripts/start.ts', {
      PORT: String(await freePort()),
      MONGO_URL: `mongodb://127.0.0.1:${mongoPort}/`,
      AMQP_URL: `amqp://guest:guest@127.0.0.1:${amqpPort}`,
      STARTUP_TIMEOUT_MS: '1500',
    });
    expect(await r.exited).toBe(1);
    const said = messages(r.output());
    expect(said).not.toContain('platform ready');
    expect(r.output()).not.toMatch(/^\s+at /m); // no stack
    const mongo = `MongoDB at mongodb://127.0.0.1:${mongoPort} is unreachable (ECONNREFUSED: nothing listens there): start one with \`npm run servers\``;
    const rabbit = `RabbitMQ at amqp://127.0.0.1:${amqpPort} is unreachable (ECONNREFUSED: nothing listens there): start one with \`npm run servers\``;
    expect(said.filter((m) => m.startsWith(mongo))).toHaveLength(2); // at once, and when it gives up
    expect(said.filter((m) => m.startsWith(rabbit))).toHaveLength(2);
    expect(said.filter((m) => m.includes('gave up after'))).toHaveLength(2);
    expect(r.output()).not.toContain('guest:guest');
  });

  it('with STARTUP_TIMEOUT_MS=0 keeps waiting for them', async () => {
    const amqpPort = await freePort();
    const r = run('scripts/start.ts', {
      PORT: String(await freePort()),
      AMQP_URL: `amqp://127.0.0.1:${amqpPort}`,
      STARTUP_TIMEOUT_MS: '0',
    });
    await until(r, /RabbitMQ at amqp:\/\/127\.0\.0\.1:\d+ is unreachable/);
    await new Promise((res) => setTimeout(res, 3_000));
    expect(r.child.exitCode).toBeNull();
    expect(messages(r.output()).filter((m) => m.includes('is unreachable'))).toHaveLength(1); // no line per retry
  });

  it('a single service, as its container runs: the broker said in one line, once, while it serves', async () => {
    const amqpPort = await freePort();
    const port = await freePort();
    const r = run('services/products/src/main.ts', {
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: SECRET,
      AMQP_URL: `amqp://127.0.0.1:${amqpPort}`,
    });
    await until(r, /is unreachable/);
    await new Promise((res) => setTimeout(res, 2_500)); // amqplib retries every second meanwhile
    const said = messages(r.output()).filter((m) => m.includes('RabbitMQ'));
    expect(said).toEqual([
      `RabbitMQ at amqp://127.0.0.1:${amqpPort} is unreachable (ECONNREFUSED: nothing listens there): locally, start one with \`npm run servers\` (it prints the AMQP_URL to export), or unset AMQP_URL to use the embedded broker; in AWS see docs/RUNBOOK.md#the-broker-is-down; retrying`,
    ]);
    const ready = await fetch(`http://127.0.0.1:${port}/products/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: object }).checks).toMatchObject({ broker: false });
  });
});

describe('a busy port', () => {
  it('npm start: which port, how to find what holds it, how to start on another, exit 1', async () => {
    const port = await hold(createServer());
    const r = run('scripts/start.ts', { PORT: String(port) });
    expect(await r.exited).toBe(1);
    expect(messages(r.output())).toContain(
      `port ${port} on 127.0.0.1 is in use (find what holds it: lsof -i :${port}): stop it, or PORT=${port + 1} npm start`,
    );
    expect(r.output()).not.toMatch(/^\s+at |platform ready/m);
  });

  it('npm start: says so when it is another npm start of this platform', async () => {
    const port = await hold(
      createHttpServer((_, res) => res.end(JSON.stringify({ status: 'ok', service: 'customer' }))) as unknown as Server,
    );
    const r = run('scripts/start.ts', { PORT: String(port) });
    expect(await r.exited).toBe(1);
    expect(messages(r.output())).toContain(
      `port ${port} on 127.0.0.1 is in use (by another npm start of this platform): stop it, or PORT=${port + 1} npm start`,
    );
  });

  it('a single service', async () => {
    const port = await hold(createServer());
    const r = run('services/shopping/src/main.ts', { PORT: String(port), HOST: '127.0.0.1', JWT_SECRET: SECRET });
    expect(await r.exited).toBe(1);
    expect(messages(r.output()).at(-1)).toBe(
      `port ${port} on 127.0.0.1 is in use (find what holds it: lsof -i :${port}): stop it, or set PORT=${port + 1}`,
    );
  });

  it('other listening failures in words', () => {
    const target = { host: '10.1.2.3', port: 80, rerun: (p: number) => `PORT=${p} npm start` };
    expect(listenProblem({ code: 'EACCES' }, target)).toBe(
      'port 80 on 10.1.2.3 needs privileges this process does not have (ports below 1024 do): PORT=8080 npm start',
    );
    expect(listenProblem({ code: 'EADDRNOTAVAIL' }, target)).toBe(
      'HOST=10.1.2.3 is not an address of this machine: use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)',
    );
    expect(listenProblem(new Error('other'), target)).toBeUndefined();
  });
});

describe('npm start when all is well', () => {
  it('says ready with the address of its landing page, which links every service', async () => {
    const port = await freePort();
    const r = run('scripts/start.ts', { PORT: String(port) });
    await until(r, /platform ready/);
    const ready = r
      .output()
      .split('\n')
      .map((l) => (l ? JSON.parse(l) : {}))
      .find((e) => e.msg === 'platform ready');
    expect(ready).toMatchObject({ url: `http://127.0.0.1:${port}`, docs: `http://127.0.0.1:${port}/` });
    const page = await (await fetch(ready.docs)).text();
    for (const name of ['customer', 'products', 'shopping']) expect(page).toContain(`href="/docs/${name}"`);
  });
});
