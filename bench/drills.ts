/**
 * `npm run drill`: fault drills under a steady order load, with real servers (a RabbitMQ and a
 * MongoDB-compatible server of the drills' own, started like the tests' ones) and the three
 * services as separate processes, as in ECS.
 *
 * Drills: kill -9 the broker and restart it; kill -9 the database server and restart it; SIGKILL
 * products and start it again; SIGTERM shopping under load and start it again; publish a poison
 * message. After each: every accepted order (202) reaches a final status, the stock adds up exactly
 * (initial stock minus what confirmed orders bought), nothing is applied twice (one reservation
 * and one history entry per order), no 5xx for the requests in flight of the SIGTERM drill; at the
 * end the dead-letter queues hold the poison message and nothing else.
 * Prints a table, writes bench/results-drills.json, exits 1 on any violation.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { MongoClient } from 'mongodb';
import { createTokens } from '../services/shared/src/auth.ts';
import { uuidv7 } from '../services/shared/src/ids.ts';
import { deadLetterQueueName, registeredTopology } from '../services/shared/src/topology.ts';
import { type ServiceProcess, serviceProcess, TEST_JWT_SECRET } from '../test/processes.ts';
import { provisionBackends, restartServer } from '../test/servers.ts';

const LOAD_WORKERS = 6;
const PAUSE_MS = 250; // per worker between orders: about 20 orders/s in all
const INITIAL_STOCK = 1_000_000;
const SETTLE_MS = 90_000;

const { backends, teardown } = await provisionBackends();
if (backends.broker.kind === 'none' || backends.database.kind === 'none') {
  process.stderr.write('the drills restart the servers: unset MONGO_URL/AMQP_URL so that they start their own\n');
  process.exit(2);
}
const namespace = `drill-${uuidv7().slice(-8)}`;
const dbName = (s: string) => `${namespace.replace(/\W/g, '_')}_${s}`;
/** DRILL_ONLY=<part of a name> runs that drill alone; DRILL_LOG_LEVEL shows the services' logs. */
const only = process.env.DRILL_ONLY;
const logLevel = process.env.DRILL_LOG_LEVEL ?? 'error';
const svc: Record<'customer' | 'products' | 'shopping', ServiceProcess> = {
  customer: await serviceProcess('customer', namespace, backends, { LOG_LEVEL: logLevel }),
  products: await serviceProcess('products', namespace, backends, { LOG_LEVEL: logLevel }),
  shopping: await serviceProcess('shopping', namespace, backends, { LOG_LEVEL: logLevel }),
};
await Promise.all(Object.values(svc).map((s) => s.start()));
const mongo = new MongoClient(backends.mongoUrl);
const tokens = await createTokens(TEST_JWT_SECRET, 24 * 3600);
const admin = await tokens.issue({ id: uuidv7(), email: 'drill-admin@example.com', role: 'admin' });

async function call(
  base: string,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? JSON.parse(text) : undefined,
      retryAfter: res.headers.get('retry-after'),
    };
  } catch {
    return { status: 0, body: undefined, retryAfter: null }; // no HTTP answer: refused or reset
  }
}

const product = await call(svc.products.url, 'POST', '/products', admin, {
  name: 'Drill item',
  category: 'drill',
  unit: 'piece',
  priceCents: 100,
  stock: INITIAL_STOCK,
});
const productId: string = product.body.id;
// Each worker has customers of its own: one cart is never filled by two workers at once.
const customers = await Promise.all(
  Array.from(
    { length: LOAD_WORKERS },
    async () => await tokens.issue({ id: uuidv7(), email: `${uuidv7()}@example.com`, role: 'customer' }),
  ),
);
// shopping learns the product from product.changed
for (;;) {
  const res = await call(svc.shopping.url, 'PUT', `/shopping/cart/items/${productId}`, customers[0], { qty: 1 });
  if (res.status === 200) break;
  await new Promise((r) => setTimeout(r, 100));
}
await call(svc.shopping.url, 'DELETE', `/shopping/cart/items/${productId}`, customers[0]);

interface Accepted {
  orderId: string;
  qty: number;
  /** When its 202 arrived. */
  at: number;
}
const accepted: Accepted[] = [];

interface LoadStats {
  accepted: number;
  http5xx: number;
  /** 503 + Retry-After: turned away at arrival (load shedding, a database away), told when to retry. */
  refused: number;
  noAnswer: number;
  /** What the first 5xx answers said, for the notes of a failed drill. */
  errors: string[];
}

/** Runs the order load until `stop` resolves. */
async function load(stop: Promise<void>): Promise<LoadStats> {
  const stats: LoadStats = { accepted: 0, http5xx: 0, refused: 0, noAnswer: 0, errors: [] };
  let running = true;
  void stop.then(() => {
    running = false;
  });
  const count = (what: string, res: { status: number; body: unknown; retryAfter: string | null }) => {
    if (res.status === 503 && res.retryAfter) stats.refused++;
    else if (res.status >= 500) {
      stats.http5xx++;
      if (stats.errors.length < 3) stats.errors.push(`${what} ${res.status} ${JSON.stringify(res.body)}`);
    }
    if (res.status === 0) stats.noAnswer++;
  };
  await Promise.all(
    customers.map(async (token) => {
      while (running) {
        const qty = 1 + Math.floor(Math.random() * 3);
        const put = await call(svc.shopping.url, 'PUT', `/shopping/cart/items/${productId}`, token, { qty });
        count('PUT cart', put);
        if (put.status === 200) {
          // As a careful client does: one Idempotency-Key per order, retried until answered, so an
          // order whose 202 was lost (a service or the database going away) is neither lost nor doubled.
          const key = uuidv7();
          for (let attempt = 0; attempt < 20; attempt++) {
            const order = await call(svc.shopping.url, 'POST', '/shopping/orders', token, undefined, {
              'idempotency-key': key,
            });
            count('POST order', order);
            if (order.status === 202) {
              accepted.push({ orderId: order.body.orderId, qty: order.body.items[0].qty, at: Date.now() });
              stats.accepted++;
              break;
            }
            if (order.status !== 0 && order.status < 500) break; // a definite answer (e.g. 409)
            await new Promise((r) => setTimeout(r, 250));
          }
        }
        await new Promise((r) => setTimeout(r, PAUSE_MS));
      }
    }),
  );
  return stats;
}

/**
 * Waits until every accepted order has a final status; returns when that happened, and when each
 * order became final by shopping's outcome time.
 */
async function settled(): Promise<{ at: number; missing: string[]; finalAt: Map<string, number> }> {
  const deadline = Date.now() + SETTLE_MS;
  const outcomes = mongo.db(dbName('shopping')).collection<{ _id: string; at: string }>('order_outcomes');
  for (;;) {
    const ids = accepted.map((a) => a.orderId);
    const finalAt = new Map(
      (await outcomes.find({ _id: { $in: ids } }, { projection: { at: 1 } }).toArray()).map((d) => [
        d._id,
        Date.parse(d.at),
      ]),
    );
    const missing = ids.filter((id) => !finalAt.has(id));
    if (missing.length === 0 || Date.now() > deadline) return { at: Date.now(), missing, finalAt };
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The invariants, over every order accepted so far. */
async function audit() {
  const ids = accepted.map((a) => a.orderId);
  const [outcomes, moves, history, latest] = await Promise.all([
    mongo
      .db(dbName('shopping'))
      .collection<{ _id: string; status: string }>('order_outcomes')
      .find({ _id: { $in: ids } })
      .toArray(),
    mongo
      .db(dbName('products'))
      .collection<{ orderId?: string; delta: number; opKey: string }>('stock_moves')
      .find({ productId })
      .toArray(),
    mongo
      .db(dbName('customer'))
      .collection<{ _id: string; status: string }>('order_outcomes')
      .find({ _id: { $in: ids } })
      .toArray(),
    mongo
      .db(dbName('products'))
      .collection<{ stock: number }>('stock_moves')
      .find({ productId })
      .sort({ seq: -1 })
      .limit(1)
      .toArray(),
  ]);
  const status = new Map(outcomes.map((o) => [o._id, o.status]));
  const confirmedQty = accepted.filter((a) => status.get(a.orderId) === 'CONFIRMED').reduce((s, a) => s + a.qty, 0);
  const reserves = new Map<string, number>();
  for (const m of moves)
    if (m.opKey.endsWith(':reserve') && m.orderId) reserves.set(m.orderId, (reserves.get(m.orderId) ?? 0) + 1);
  const historyStatus = new Map(history.map((h) => [h._id, h.status]));
  return {
    final: outcomes.length,
    stockExpected: INITIAL_STOCK - confirmedQty,
    stockActual: latest[0]?.stock ?? Number.NaN,
    duplicated: [...reserves.values()].filter((n) => n > 1).length,
    historyMismatch: ids.filter((id) => status.has(id) && historyStatus.get(id) !== status.get(id)).length,
  };
}

async function waitForHistory() {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const a = await audit();
    if (a.historyMismatch === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** DRILL_TRACE=1: when the drill's orders passed each stage, in seconds after the fault (debugging). */
async function trace(ids: string[], t0: number) {
  const at = async (db: string, collection: string, field: string) => {
    const docs = await mongo
      .db(dbName(db))
      .collection<{ _id: string }>(collection)
      .find({ _id: { $in: ids } })
      .toArray();
    const times = docs
      .map((d) => new Date((d as Record<string, unknown>)[field] as string).getTime() - t0)
      .sort((a, b) => a - b);
    const q = (f: number) => ((times[Math.floor(f * (times.length - 1))] ?? Number.NaN) / 1000).toFixed(1);
    return `${db}.${collection}.${field}: n=${times.length} min ${q(0)} p50 ${q(0.5)} max ${q(1)}`;
  };
  for (const line of await Promise.all([
    at('shopping', 'orders', 'placedAt'),
    at('products', 'stock_decisions', 'decidedAt'),
    at('shopping', 'order_outcomes', 'at'),
    at('customer', 'order_outcomes', 'recordedAt'),
  ]))
    process.stdout.write(`  ${line}\n`);
}

interface DrillResult {
  drill: string;
  accepted: number;
  final: number;
  lost: number;
  duplicated: number;
  stockExpected: number;
  stockActual: number;
  http5xx: number;
  refused: number;
  noAnswer: number;
  recoveryMs: number;
  /** From the fault to the server or service up again: what no client code can shorten. */
  backMs: number;
  /**
   * From back up to every order accepted until then final (by shopping's outcome times): how long
   * the platform took to work off what the fault held up, once it could.
   */
  drainedMs: number;
  /** From the end of the load to every order final: the backlog the fault left, worked off. */
  caughtUpMs: number;
  ok: boolean;
  notes: string;
}
const results: DrillResult[] = [];

async function drill(name: string, fault: () => Promise<void>, o: { no5xx?: boolean } = {}) {
  if (only && !name.includes(only)) return;
  const before = accepted.length;
  let release: () => void = () => {};
  const stop = new Promise<void>((r) => {
    release = r;
  });
  const running = load(stop);
  await new Promise((r) => setTimeout(r, 3_000));
  const t0 = Date.now();
  await fault();
  const back = Date.now();
  await new Promise((r) => setTimeout(r, 4_000));
  release();
  const stats = await running;
  const loadEnded = Date.now();
  const { at, missing, finalAt } = await settled();
  const heldUp = accepted.slice(before).filter((a) => a.at <= back);
  const drainedMs = Math.max(0, ...heldUp.map((a) => (finalAt.get(a.orderId) ?? 0) - back));
  await waitForHistory();
  const a = await audit();
  const thisDrill = accepted.length - before;
  if (process.env.DRILL_TRACE)
    await trace(
      accepted.slice(before).map((a) => a.orderId),
      t0,
    );
  const problems = [
    missing.length > 0 && `${missing.length} orders never final`,
    a.stockActual !== a.stockExpected && `stock ${a.stockActual}, expected ${a.stockExpected}`,
    a.duplicated > 0 && `${a.duplicated} orders reserved twice`,
    a.historyMismatch > 0 && `${a.historyMismatch} history entries disagree with shopping`,
    o.no5xx && stats.http5xx > 0 && `${stats.http5xx} 5xx answers: ${stats.errors.join('; ')}`,
  ].filter(Boolean) as string[];
  const result: DrillResult = {
    drill: name,
    accepted: thisDrill,
    final: thisDrill - missing.length,
    lost: missing.length,
    duplicated: a.duplicated,
    stockExpected: a.stockExpected,
    stockActual: a.stockActual,
    http5xx: stats.http5xx,
    refused: stats.refused,
    noAnswer: stats.noAnswer,
    recoveryMs: at - t0,
    backMs: back - t0,
    drainedMs,
    caughtUpMs: at - loadEnded,
    ok: problems.length === 0,
    notes: problems.join('; '),
  };
  results.push(result);
  process.stdout.write(`${name}: ${result.ok ? 'ok' : `FAILED (${result.notes})`}\n`);
}

try {
  await drill('broker kill -9 + restart', () => restartServer(backends.broker, { hard: true, downMs: 2_000 }));
  await drill('database kill -9 + restart', () => restartServer(backends.database, { hard: true, downMs: 1_000 }));
  await drill('SIGKILL products + start', async () => {
    await svc.products.stop('SIGKILL');
    await svc.products.start();
  });
  await drill(
    'SIGTERM shopping under load + start',
    async () => {
      const code = await svc.shopping.stop('SIGTERM');
      if (code !== 0) throw new Error(`shopping exited with ${code} on SIGTERM`);
      await svc.shopping.start();
    },
    { no5xx: true },
  );
  await drill('poison message', async () => {
    const connection = await amqp.connect(backends.amqpUrl);
    const ch = await connection.createConfirmChannel();
    ch.publish(namespace, 'stock.reserved', Buffer.from('{"poison": true'), { persistent: true });
    await ch.waitForConfirms();
    await connection.close();
  });

  // The dead-letter queues: the poison message in shopping's, nothing anywhere else.
  const connection = await amqp.connect(backends.amqpUrl);
  const ch = await connection.createChannel();
  const dead: Record<string, number> = {};
  for (const consumer of Object.keys(registeredTopology)) {
    dead[consumer] = (await ch.checkQueue(deadLetterQueueName(namespace, consumer))).messageCount;
  }
  await connection.close();
  const poisoned = results.some((r) => r.drill === 'poison message') ? 1 : 0; // DRILL_ONLY may skip it
  const dlqOk = dead.customer === 0 && dead.products === 0 && dead.shopping === poisoned;
  if (!dlqOk) {
    results.push({
      drill: 'dead-letter queues',
      accepted: 0,
      final: 0,
      lost: 0,
      duplicated: 0,
      stockExpected: 0,
      stockActual: 0,
      http5xx: 0,
      refused: 0,
      noAnswer: 0,
      recoveryMs: 0,
      backMs: 0,
      drainedMs: 0,
      caughtUpMs: 0,
      ok: false,
      notes: `expected only the poison message, found ${JSON.stringify(dead)}`,
    });
  }

  if (process.env.DRILL_LOG_LEVEL) {
    for (const s of Object.values(svc)) {
      writeFileSync(join(tmpdir(), `drill-${s.name}.log`), s.output());
      process.stdout.write(`${s.name}'s log: ${join(tmpdir(), `drill-${s.name}.log`)}\n`);
    }
  }

  const header = [
    'drill',
    'accepted',
    'final',
    'lost',
    'dup',
    'stock ok',
    '5xx',
    '503 + retry',
    'no answer',
    'back up',
    'recovery',
    'drained',
    'caught up',
  ];
  const table = results.map((r) => [
    r.drill,
    String(r.accepted),
    String(r.final),
    String(r.lost),
    String(r.duplicated),
    r.stockActual === r.stockExpected ? 'yes' : 'NO',
    String(r.http5xx),
    String(r.refused),
    String(r.noAnswer),
    `${(r.backMs / 1000).toFixed(1)} s`,
    `${(r.recoveryMs / 1000).toFixed(1)} s`,
    `${(r.drainedMs / 1000).toFixed(1)} s`,
    `${(r.caughtUpMs / 1000).toFixed(1)} s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  process.stdout.write(`\n${line(header)}\n${table.map(line).join('\n')}\n`);
  process.stdout.write(
    `dead-letter queues: ${JSON.stringify(dead)}${dlqOk ? (poisoned ? ' (the poison message only)' : ' (empty)') : ' UNEXPECTED'}\n`,
  );
  process.stdout.write(
    'back up: from the fault to the server or service answering again (its own restart); recovery: from the fault to\n' +
      'the moment every order accepted so far was final (the load goes on for 4 s after the server is back up);\n' +
      'drained: from back up to every order accepted until then final (what the fault held up, worked off);\n' +
      'caught up: from the end of the load to every order final.\n' +
      '5xx, 503 + retry and "no answer": requests the load made while a service or the database was down or catching\n' +
      'up: 503 with Retry-After is a request turned away at arrival and told when to retry (the database restarting,\n' +
      'the saga working off a backlog, a fresh process shedding load), 5xx any other server error, "no answer" a\n' +
      'refused connection (a service restarting). The SIGTERM drill requires zero 5xx: no request in flight is lost.\n',
  );
  writeFileSync(
    join(import.meta.dirname, 'results-drills.json'),
    `${JSON.stringify({ results, deadLetters: dead }, null, 2)}\n`,
  );
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
} finally {
  await Promise.all(Object.values(svc).map((s) => s.stop('SIGTERM')));
  await mongo.close();
  await teardown();
}
