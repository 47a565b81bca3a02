/**
 * What `npm start` and the services say about a server they cannot use: real failures (a closed
 * port, an unknown host, something else listening, a server that never answers) classified and
 * worded with the fix; the wait that gives up or keeps trying. Credentials and virtual hosts are
 * checked against a real RabbitMQ in test/local-start.integration.test.ts.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { connectProblem, unreachableHint, unreachableReporter } from '@platform/shared/reachability';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../test/servers.ts';
import { probeRabbitMq, probeTcp, type ServerCheck, waitForServers } from '../lib/preflight.ts';
import { testListeners } from './listeners.ts';

const failureOf = async (attempt: Promise<unknown>): Promise<unknown> => {
  try {
    await attempt;
  } catch (err) {
    return err;
  }
  throw new Error('expected the attempt to fail');
};

function recordingLogger() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (msg: string) => lines.push({ level, msg });
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return { logger, lines };
}

const listeners = testListeners();
afterEach(() => listeners.closeAll());
const listening = (server: Server) => listeners.listen(server);

describe('why a server cannot be used, from real failures', () => {
  it('a closed port: refused at once, with the way to start one or do without', async () => {
    const port = await freePort();
    const started = Date.now();
    const err = await failureOf(probeRabbitMq(`amqp://guest:pw@127.0.0.1:${port}`, 3_000));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(connectProblem(err)).toEqual({ kind: 'unreachable', reason: 'ECONNREFUSED: nothing listens there' });
    expect(unreachableHint('rabbitmq', `amqp://guest:pw@127.0.0.1:${port}`, err, 'local')).toBe(
      `RabbitMQ at amqp://127.0.0.1:${port} is unreachable (ECONNREFUSED: nothing listens there): start one with ` +
        '`npm run servers` (it prints the AMQP_URL to export), or unset AMQP_URL to use the embedded broker',
    );
    expect(connectProblem(await failureOf(probeTcp('127.0.0.1', port, 3_000))).reason).toMatch(/^ECONNREFUSED/);
  });

  it('an unknown host', async () => {
    const err = await failureOf(probeTcp('no-such-host.invalid', 27017, 3_000));
    expect(connectProblem(err).kind).toBe('unreachable');
    expect(connectProblem(err).reason).toMatch(/^(ENOTFOUND: no such host|EAI_AGAIN)/);
  });

  it('something else on the port (an HTTP server): not the protocol, check the port', async () => {
    const port = await listening(createHttpServer((_, res) => res.end('hello')) as unknown as Server);
    const err = await failureOf(probeRabbitMq(`amqp://127.0.0.1:${port}`, 3_000));
    expect(connectProblem(err).kind).toBe('protocol');
    expect(unreachableHint('rabbitmq', `amqp://127.0.0.1:${port}`, err, 'local')).toMatch(
      /did not answer as RabbitMQ .*: check the host and port in AMQP_URL \(RabbitMQ usually listens on 5672/,
    );
  });

  it('a server that takes the connection and never answers: timed out', async () => {
    const port = await listening(createServer(() => {}));
    const err = await failureOf(probeRabbitMq(`amqp://127.0.0.1:${port}`, 300));
    expect(connectProblem(err)).toEqual({ kind: 'unreachable', reason: 'timed out: no answer' });
  });

  it('never shows credentials, paths or queries of the URL; fills in default ports', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const hint = unreachableHint(
      'mongodb',
      'mongodb://admin:s3cr3t@db.example/orders?authSource=admin',
      err,
      'anywhere',
    );
    expect(hint).toMatch(/^MongoDB at mongodb:\/\/db\.example:27017 is unreachable/);
    expect(hint).not.toMatch(/s3cr3t|admin|orders/);
    // a service's own log may be read in AWS as well as locally: both fixes
    expect(hint).toContain('in AWS see docs/RUNBOOK.md#the-database-failed-over');
    expect(unreachableHint('rabbitmq', 'amqps://u:p@b-1.mq.eu-west-1.amazonaws.com', err, 'local')).toMatch(
      /^RabbitMQ at amqps:\/\/b-1\.mq\.eu-west-1\.amazonaws\.com:5671 /,
    );
  });
});

describe('a client that retries by itself reports once, then every 30 s, then when it is back', () => {
  it('says the hint on the first failure only, a reminder later, and the recovery', () => {
    vi.useFakeTimers();
    try {
      const { logger, lines } = recordingLogger();
      const report = unreachableReporter(logger, 'rabbitmq', 'amqp://localhost:5672', 30_000);
      const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5672'), { code: 'ECONNREFUSED' });
      for (let i = 0; i < 25; i++) {
        report.failed(refused); // amqplib retries up to every second
        vi.advanceTimersByTime(1_000);
      }
      expect(lines).toHaveLength(1);
      expect(lines[0]?.msg).toMatch(/^RabbitMQ at amqp:\/\/localhost:5672 is unreachable \(ECONNREFUSED.*; retrying$/);
      for (let i = 0; i < 10; i++) {
        report.failed(refused);
        vi.advanceTimersByTime(1_000);
      }
      expect(lines).toHaveLength(2);
      expect(lines[1]?.msg).toMatch(/\(still, after 31 attempts in 30 s\); retrying$/);
      report.recovered();
      expect(lines[2]).toEqual({
        level: 'info',
        msg: 'RabbitMQ at amqp://localhost:5672 reached after 35 failed attempts',
      });
      report.recovered();
      expect(lines).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('waiting for the servers', () => {
  const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const check = (url: string, failures: number): ServerCheck & { attempts: number } => {
    const c = {
      kind: 'rabbitmq' as const,
      url,
      attempts: 0,
      probe: async () => {
        c.attempts++;
        if (c.attempts <= failures) throw refused();
      },
    };
    return c;
  };

  it('says the hint at once, waits while the server comes up, then says it answers', async () => {
    const { logger, lines } = recordingLogger();
    const late = check('amqp://localhost:5672', 3);
    const ok = await waitForServers([late], { logger, timeoutMs: 5_000, retryMs: 20, remindMs: 10_000 });
    expect(ok).toBe(true);
    expect(late.attempts).toBe(4);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'info']);
    expect(lines[0]?.msg).toMatch(/^RabbitMQ at amqp:\/\/localhost:5672 is unreachable/);
    expect(lines[1]?.msg).toBe('RabbitMQ at amqp://localhost:5672 answers now');
  });

  it('gives up when the time is up: an error line per missing server, false', async () => {
    const { logger, lines } = recordingLogger();
    const started = Date.now();
    const ok = await waitForServers([check('amqp://a:5672', Infinity), check('amqp://b:5672', 0)], {
      logger,
      timeoutMs: 300,
      retryMs: 50,
    });
    expect(ok).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toMatch(
      /^RabbitMQ at amqp:\/\/a:5672 is unreachable .*\(gave up after 0 s; STARTUP_TIMEOUT_MS=0 waits for it\)$/,
    );
  });

  it('with no time limit keeps trying, and reminds at the interval it is given', async () => {
    const { logger, lines } = recordingLogger();
    const ok = await waitForServers([check('amqp://a:5672', 30)], { logger, timeoutMs: 0, retryMs: 10, remindMs: 100 });
    expect(ok).toBe(true);
    const reminders = lines.filter((l) => l.msg.startsWith('still waiting: RabbitMQ at amqp://a:5672 is unreachable'));
    expect(reminders.length).toBeGreaterThanOrEqual(1);
    expect(lines.filter((l) => l.level === 'warn').length).toBeLessThan(10); // not a line per attempt
  });

  it('has nothing to wait for in embedded mode', async () => {
    const { logger, lines } = recordingLogger();
    expect(await waitForServers([], { logger, timeoutMs: 1 })).toBe(true);
    expect(lines).toEqual([]);
  });
});
