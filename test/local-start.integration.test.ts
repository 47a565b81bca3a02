/**
 * npm start against real servers that answer but refuse: wrong broker password, a virtual host
 * that does not exist, queues declared before with other arguments. Each is said in one line
 * with its fix, and "platform ready" never comes while a service's /ready is not 200.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import amqp from 'amqplib';
import { describe, expect, it } from 'vitest';
import { probeMongo, probeRabbitMq } from '../scripts/lib/preflight.ts';
import { baseConfigSchema, parseConfig } from '../services/shared/src/config.ts';
import { unreachableHint } from '../services/shared/src/reachability.ts';
import { backends, uniqueName } from './helpers.ts';
import { freePort } from './servers.ts';

const failureOf = (attempt: Promise<unknown>) =>
  attempt.then(
    () => {
      throw new Error('expected the attempt to fail');
    },
    (err: unknown) => err,
  );

/** The URL with another password or path (virtual host). */
function amqpUrlWith(o: { password?: string; vhost?: string }): string {
  const url = new URL(backends().amqpUrl);
  if (o.password) url.password = o.password;
  if (o.vhost) url.pathname = `/${o.vhost}`;
  return url.toString();
}

describe('the servers answer', () => {
  it('and the probes of npm start get in', async () => {
    await probeRabbitMq(backends().amqpUrl, 5_000);
    const config = parseConfig(baseConfigSchema, { JWT_SECRET: 'x'.repeat(32), MONGO_URL: backends().mongoUrl });
    await probeMongo(config, 5_000);
  });

  it('but refuse a wrong password: said as such, with where to look', async () => {
    const url = amqpUrlWith({ password: 'wrong-password' });
    const hint = unreachableHint('rabbitmq', url, await failureOf(probeRabbitMq(url, 5_000)), 'local');
    const { host } = new URL(url); // the broker's address, whichever the harness started (local or a container)
    expect(hint).toBe(
      `RabbitMQ at amqp://${host} refused the connection (the user name or password was refused): check the user and password in AMQP_URL`,
    );
    expect(hint).not.toContain('wrong-password');
  });

  it('but have no such virtual host', async () => {
    const url = amqpUrlWith({ vhost: 'no-such-vhost' });
    const hint = unreachableHint('rabbitmq', url, await failureOf(probeRabbitMq(url, 5_000)), 'local');
    expect(hint).toMatch(
      /refused the connection \(no such virtual host, or the user may not use it\): create the virtual host on the broker/,
    );
  });
});

describe('npm start with a broker that refuses what the services declare', () => {
  it('says which queue and why, waits for /ready, never says ready, gives up with what it waited for', async () => {
    const exchange = uniqueName('refused');
    // products' queue declared before as a classic queue: the services declare it as a quorum queue
    const connection = await amqp.connect(backends().amqpUrl);
    const channel = await connection.createChannel();
    await channel.assertQueue(`${exchange}.products`, { durable: false, autoDelete: true });
    try {
      const port = await freePort();
      const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'start.ts')], {
        env: {
          PATH: process.env.PATH ?? '',
          PORT: String(port),
          AMQP_URL: backends().amqpUrl,
          AMQP_EXCHANGE: exchange,
          STARTUP_TIMEOUT_MS: '4000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d) => {
        output += d;
      });
      child.stderr.on('data', (d) => {
        output += d;
      });
      const code = await new Promise((r) => child.once('exit', r));
      const said = output
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { msg: string }).msg);
      expect(code, output).toBe(1);
      expect(said).not.toContain('platform ready');
      expect(said.some((m) => /^waiting for .*\(broker\)/.test(m))).toBe(true);
      expect(said.at(-1)).toMatch(
        /^not ready after [45] s: customer \(broker\), products \(broker\), shopping \(broker\)/,
      );
      const refused = said.filter((m) => m.includes('refused an operation'));
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]).toMatch(
        new RegExp(
          `PRECONDITION_FAILED: inequivalent arg .* for queue '${exchange}\\.products'.*: delete what was declared`,
        ),
      );
    } finally {
      await channel.deleteQueue(`${exchange}.products`).catch(() => {});
      await connection.close();
    }
  });
});
