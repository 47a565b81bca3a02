/**
 * `npm start` checks the servers MONGO_URL and AMQP_URL name before it starts anything: a server
 * that is not there is said in one line with the fix within seconds (reachability.ts), not found
 * out by three services retrying in the background while the gateway says it is ready.
 *
 * It waits for them up to STARTUP_TIMEOUT_MS (someone may be starting them in another terminal),
 * trying every 2 s and repeating the hint every 10 s, then gives up with exit code 1: locally a
 * fast, clear answer beats waiting. STARTUP_TIMEOUT_MS=0 waits as long as it takes. A deployed
 * service never gives up on the broker (it reconnects by itself, runtime.ts) and tries the
 * database for about a minute before ECS replaces the task.
 */

import { connect } from 'node:net';
import { sleep } from '@platform/shared/async';
import type { BaseConfig } from '@platform/shared/config';
import type { Logger } from '@platform/shared/log';
import { mongoClientOptions } from '@platform/shared/mongo';
import { type ServerKind, serverLabel, unreachableHint } from '@platform/shared/reachability';
import amqp from 'amqplib';
import { MongoClient } from 'mongodb';

/** How long one attempt at a server may take. */
const PROBE_TIMEOUT_MS = 3_000;

export interface ServerCheck {
  kind: ServerKind;
  url: string;
  /** Resolves when the server answers and takes our credentials; rejects with why not. */
  probe(timeoutMs: number): Promise<void>;
}

/** Logs in to the broker and leaves. */
export async function probeRabbitMq(url: string, timeoutMs: number): Promise<void> {
  const connection = await amqp.connect(url, {
    timeout: timeoutMs,
    clientProperties: { connection_name: 'npm start: checking the broker' },
  });
  await connection.close().catch(() => {});
}

/** Opens and closes a TCP connection: refused or unknown hosts are known at once, not after a timeout. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(Object.assign(new Error(`connect ETIMEDOUT ${host}:${port}`), { code: 'ETIMEDOUT' }));
    });
    socket.once('error', reject);
  });
}

/** The one host and port of a plain mongodb:// URL (not a replica set list, not +srv). */
function singleMongoHost(url: string): { host: string; port: number } | undefined {
  const match = url.match(/^mongodb:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?,]+)(?::(\d+))?(?:[/?]|$)/);
  if (!match) return undefined;
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port: Number(match[2] ?? 27017) };
}

/**
 * Connects (with the credentials the services would use) and pings; a plain host is first tried
 * over TCP, since the driver reports even a refused connection only after its selection timeout.
 */
export async function probeMongo(c: BaseConfig, timeoutMs: number): Promise<void> {
  const url = c.MONGO_URL as string;
  const single = singleMongoHost(url);
  if (single) await probeTcp(single.host, single.port, timeoutMs);
  const options = mongoClientOptions({
    url,
    tlsCAFile: c.MONGO_TLS_CA_FILE,
    username: c.MONGO_USERNAME,
    password: c.MONGO_PASSWORD,
    defaultDatabase: 'admin',
    appName: 'npm-start-check',
  });
  const client = new MongoClient(url, { ...options, serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close().catch(() => {});
  }
}

/** The servers a configuration names (none in embedded mode). */
export function serverChecks(c: BaseConfig): ServerCheck[] {
  const checks: ServerCheck[] = [];
  if (c.MONGO_URL) checks.push({ kind: 'mongodb', url: c.MONGO_URL, probe: (ms) => probeMongo(c, ms) });
  if (c.AMQP_URL) {
    const url = c.AMQP_URL;
    checks.push({ kind: 'rabbitmq', url, probe: (ms) => probeRabbitMq(url, ms) });
  }
  return checks;
}

export interface WaitOptions {
  logger: Logger;
  /** How long to keep trying; 0: as long as it takes. */
  timeoutMs: number;
  retryMs?: number;
  remindMs?: number;
  probeTimeoutMs?: number;
}

/**
 * Tries every server until all answer (true) or the time is up (false, each missing one said in
 * an error line). The first failure of each is said at once, as a warning with the fix.
 */
export async function waitForServers(checks: ServerCheck[], o: WaitOptions): Promise<boolean> {
  const started = Date.now();
  const retryMs = o.retryMs ?? 2_000;
  const remindMs = o.remindMs ?? 10_000;
  const lastSaid = new Map<ServerCheck, number>();
  let pending = checks;
  for (;;) {
    const results = await Promise.all(
      pending.map(async (check) => {
        try {
          await check.probe(o.probeTimeoutMs ?? PROBE_TIMEOUT_MS);
          return undefined;
        } catch (err) {
          return { check, hint: unreachableHint(check.kind, check.url, err, 'local') };
        }
      }),
    );
    const failing = results.filter((r) => r !== undefined);
    for (const check of pending) {
      if (lastSaid.has(check) && !failing.some((f) => f.check === check)) {
        o.logger.info(`${serverLabel(check.kind, check.url)} answers now`);
      }
    }
    if (failing.length === 0) return true;
    const elapsed = Date.now() - started;
    if (o.timeoutMs > 0 && elapsed >= o.timeoutMs) {
      const waited = Math.round(elapsed / 1000);
      for (const f of failing) {
        o.logger.error(`${f.hint} (gave up after ${waited} s; STARTUP_TIMEOUT_MS=0 waits for it)`);
      }
      return false;
    }
    for (const f of failing) {
      const said = lastSaid.get(f.check);
      if (said === undefined || Date.now() - said >= remindMs) {
        o.logger.warn(said === undefined ? f.hint : `still waiting: ${f.hint}`);
        lastSaid.set(f.check, Date.now());
      }
    }
    pending = failing.map((f) => f.check);
    await sleep(o.timeoutMs > 0 ? Math.min(retryMs, o.timeoutMs - elapsed) : retryMs);
  }
}
