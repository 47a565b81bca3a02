/**
 * `npm run bench`: figures anyone can re-run on their machine (not part of npm test).
 *
 *  1. HTTP through the gateway (`npm start`), embedded and with real servers: requests/s and
 *     p50/p99 latency of GET /products/:id, GET /products, PUT /shopping/cart/items/:id and
 *     POST /shopping/orders (each order after a cart PUT), autocannon in a separate process,
 *     against the ceiling of a bare Hono hello-world on the same adapter; GET /products/:id
 *     embedded also in rounds alternated with the hello-world (the machine's speed drifts).
 *  2. The event pipeline with real servers: orders at a fixed offered rate (open loop), the
 *     throughput sustained and the lag from POST /orders to the final status in the customer's
 *     order history (its record time in the customer database).
 *  3. Per service bundle: time from spawn to /ready 200, RSS idle and under load.
 *
 * Prints tables, writes bench/results.json. Knobs: BENCH_DURATION (s, default 10),
 * BENCH_CONNECTIONS (default 50), BENCH_RATES (orders/s, default 25,100), BENCH_PIPELINE_SECONDS (20),
 * BENCH_WARMUP_SECONDS (10: orders at the same rate, at most 50/s, before the measured ones),
 * BENCH_ONLY (some of pipeline,http,services; default all), BENCH_PLATFORM_DIR (another checkout
 * whose npm start to drive: before/after figures in one run of this bench), BENCH_ENV (JSON of
 * settings for the platform, e.g. '{"ORDER_LAG_TARGET_MS":"250"}'), BENCH_NODE_OPTIONS, BENCH_NODE_ARGS
 * (node's own flags, e.g. V8's, which NODE_OPTIONS refuses).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { bundle } from '../scripts/build.ts';
import { serviceNames } from '../scripts/lib/services.ts';
import { createTokens } from '../services/shared/src/auth.ts';
import { uuidv7 } from '../services/shared/src/ids.ts';
import { percentile } from '../services/shared/src/metrics.ts';
import { eventually } from '../test/eventually.ts';
import { type Backends, freePort, localPid, provisionBackends } from '../test/servers.ts';
import { commandCounts, cpuSeconds, workDone } from './meters.ts';
import { BENCH_JWT_SECRET, type Platform, startPlatform } from './platform.ts';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const rates = (process.env.BENCH_RATES ?? '25,100').split(',').map(Number);
const pipelineSeconds = Number(process.env.BENCH_PIPELINE_SECONDS ?? 20);
/**
 * A process fresh from its start runs much of its code unoptimised until V8 has seen it often
 * enough: at 25 orders/s the services' CPU per order falls by up to a fifth over the first few
 * hundred orders. The orders measured come after a warm-up, as a process in service has had; the
 * warm-up's own figures (the fresh process) are printed too.
 */
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const WARMUP_MAX_RATE = 50;
const parts = new Set((process.env.BENCH_ONLY ?? 'pipeline,http,services').split(','));
const SETTLE_MS = 120_000;
const IDLE_MS = 5_000;
const root = join(import.meta.dirname, '..');
const log = (line: string) => process.stdout.write(`${line}\n`);

interface LoadResult {
  requestsPerSec: number;
  latencyP50: number;
  latencyP99: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** The spec goes in on stdin (with thousands of tokens it is too long for a command line). */
function runLoad(spec: object): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [join(import.meta.dirname, 'load.ts')],
      { maxBuffer: 10 << 20 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`load generator failed: ${stderr}`)) : resolve(JSON.parse(stdout)),
    );
    child.stdin?.end(JSON.stringify(spec));
  });
}

const rssMb = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024);
};

/** Samples a process's RSS while `work` runs; returns the peak. */
async function peakRss<T>(pid: number, work: Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 100);
  try {
    return { result: await work, peakMb: peak };
  } finally {
    clearInterval(timer);
  }
}

const tokens = await createTokens(BENCH_JWT_SECRET, 24 * 3600);
// autocannon starts each connection's request sequence afresh with a new context, which takes the
// next token: with a pool far larger than the connections, no two connections ever share a
// customer (and one customer's order cannot empty the cart another connection just filled).
const customerTokens = await Promise.all(
  Array.from({ length: connections * 128 }, () =>
    tokens.issue({ id: uuidv7(), email: `${uuidv7()}@example.com`, role: 'customer' }),
  ),
);

/** Products to read and buy, known to shopping before the load starts. */
async function seed(p: Platform) {
  const ids: string[] = [];
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${p.url}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${p.adminToken}` },
      body: JSON.stringify({
        name: `Bench item ${i}`,
        category: 'bench',
        unit: 'piece',
        priceCents: 100 + i,
        stock: 1_000_000_000,
      }),
    });
    ids.push(((await res.json()) as { id: string }).id);
  }
  await eventually(
    async () => {
      const res = await fetch(`${p.url}/shopping/cart/items/${ids.at(-1)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${customerTokens[0]}` },
        body: '{"qty":1}',
      });
      return res.status === 200;
    },
    30_000,
    'shopping knows the products',
  );
  return ids;
}

/** A plain Express + mongoose `findById` service on the products database (bench/express-baseline.ts). */
async function expressBaseline(mongoUrl: string, product: string): Promise<LoadResult> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(import.meta.dirname, 'express-baseline.ts')], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), MONGO_URL: `${mongoUrl.replace(/\/?$/, '/')}products` },
    stdio: 'ignore',
  });
  try {
    const url = `http://127.0.0.1:${port}`;
    await eventually(
      async () => (await fetch(`${url}/products/${product}`).catch(() => undefined))?.status === 200,
      20_000,
      'Express + mongoose baseline',
    );
    return await runLoad({ url, connections, duration, requests: [{ method: 'GET', path: `/products/${product}` }] });
  } finally {
    child.kill();
  }
}

async function httpSuite(p: Platform, label: string, mongoUrl?: string) {
  const ids = await seed(p);
  const product = ids[0] as string;
  const cases: Array<[string, object]> = [
    ['GET /products/:id', { requests: [{ method: 'GET', path: `/products/${product}` }] }],
    ['GET /products', { requests: [{ method: 'GET', path: '/products?limit=20' }] }],
    [
      'PUT /shopping/cart/items/:id',
      {
        requests: [{ method: 'PUT', path: `/shopping/cart/items/${product}`, body: { qty: 2 } }],
        tokens: customerTokens,
      },
    ],
    [
      'POST /shopping/orders',
      {
        requests: [
          { method: 'PUT', path: `/shopping/cart/items/${product}`, body: { qty: 1 } },
          { method: 'POST', path: '/shopping/orders' },
        ],
        tokens: customerTokens,
      },
    ],
  ];
  const rows: Array<{ endpoint: string } & LoadResult & { rssPeakMb: number }> = [];
  for (const [endpoint, spec] of cases) {
    const { result, peakMb } = await peakRss(p.pid, runLoad({ url: p.url, connections, duration, ...spec }));
    // POST /orders runs as PUT-then-POST pairs: count orders, not requests
    const orders = endpoint === 'POST /shopping/orders';
    rows.push({
      endpoint,
      ...result,
      requestsPerSec: orders ? result.requestsPerSec / 2 : result.requestsPerSec,
      rssPeakMb: peakMb,
    });
    log(
      `  ${label} ${endpoint}: ${Math.round(result.requestsPerSec / (orders ? 2 : 1))} /s, p50 ${result.latencyP50} ms, p99 ${result.latencyP99} ms, non-2xx ${result.non2xx}, errors ${result.errors}`,
    );
  }
  let baseline: LoadResult | undefined;
  if (mongoUrl) {
    baseline = await expressBaseline(mongoUrl, product);
    const ours = rows[0]?.requestsPerSec ?? 0;
    log(
      `  Express + mongoose findById on the same server: ${Math.round(baseline.requestsPerSec)} /s, p99 ${baseline.latencyP99} ms; ours ${(ours / baseline.requestsPerSec).toFixed(2)}x`,
    );
  }
  return { rows, idleRssMb: rssMb(p.pid), baseline, product };
}

/** The ceiling: a bare Hono hello-world (hello.ts) in a process of its own, until `stop`. */
async function startHello() {
  const port = await freePort();
  const child = spawn(process.execPath, [join(import.meta.dirname, 'hello.ts')], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually(
      async () => (await fetch(`${url}/hello`).catch(() => undefined))?.status === 200,
      10_000,
      'hello world',
    );
  } catch (err) {
    child.kill();
    throw err;
  }
  return { url, stop: () => child.kill() };
}

const getLoad = (url: string, path: string) =>
  runLoad({ url, connections, duration, requests: [{ method: 'GET', path }] });

/**
 * GET /products/:id embedded against the ceiling in rounds that alternate the two, each round's
 * ratio from runs a few seconds apart: this machine's speed drifts within minutes (the ceiling
 * measured once, before the suite, moved the ratio by 15 points from run to run).
 */
async function alternated(helloUrl: string, platformUrl: string, path: string, rounds = 3) {
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const hello = await getLoad(helloUrl, '/hello');
    const ours = await getLoad(platformUrl, path);
    ratios.push(Math.round((ours.requestsPerSec / hello.requestsPerSec) * 100));
    log(
      `  round ${i + 1}: hello-world ${Math.round(hello.requestsPerSec)} /s, GET /products/:id ${Math.round(ours.requestsPerSec)} /s: ${ratios.at(-1)}%`,
    );
  }
  return { ratios, median: percentile(ratios, 0.5) ?? 0 };
}

/**
 * The pipeline's HTTP client: node:http on kept-alive connections, a fraction of fetch's CPU
 * (the driver shares the machine with what it measures).
 */
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
function call(method: string, url: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Orders at a fixed offered rate; lag from POST to the outcome recorded by customer. */
async function pipeline(p: Platform, backends: Backends, rate: number, seconds = pipelineSeconds) {
  const mongoUrl = backends.mongoUrl;
  const ids = await seed(p);
  const metricsUrl = backends.database.kind === 'local' ? backends.database.metricsUrl : undefined;
  const pids = {
    services: p.pid,
    database: await localPid(backends.database),
    broker: await localPid(backends.broker),
  };
  const cpuNow = () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  // What the processes burn with no traffic at all (timers, samplers, heartbeats): part of every
  // order's CPU below, and the whole cost of an idle environment.
  await new Promise((r) => setTimeout(r, 2_000)); // the seed's own events settle first
  const idleFrom = cpuNow();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const idleTo = cpuNow();
  const idleCpuMsPerSec = Object.fromEntries(
    Object.keys(pids).map((k) => [k, Math.round((((idleTo[k] ?? 0) - (idleFrom[k] ?? 0)) * 1e7) / IDLE_MS) / 10]),
  );
  const commandsBefore = metricsUrl ? await commandCounts(metricsUrl) : undefined;
  const cpuBefore = cpuNow();
  const mongo = new MongoClient(mongoUrl);
  const outcomes = mongo.db('customer').collection<{ _id: string; recordedAt: Date; status: string }>('order_outcomes');
  const baseline = await outcomes.estimatedDocumentCount();
  const sent = new Map<string, number>();
  const postMs: number[] = [];
  let failed = 0;
  let refused = 0;
  const place = async (n: number) => {
    // a customer of its own per order in flight: mint one per order
    const own = await tokens.issue({ id: uuidv7(), email: 'p@example.com', role: 'customer' });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${own}` };
    const put = await call('PUT', `${p.url}/shopping/cart/items/${ids[n % ids.length]}`, headers, '{"qty":1}');
    if (put.status === 503) {
      refused++; // shed at once: the service is at the latency it keeps
      return;
    }
    if (put.status !== 200) {
      failed++;
      return;
    }
    const started = Date.now();
    const res = await call('POST', `${p.url}/shopping/orders`, headers);
    if (res.status === 503) {
      refused++; // the admission control: refused at once, with Retry-After
      return;
    }
    if (res.status !== 202) {
      failed++;
      return;
    }
    sent.set((JSON.parse(res.body) as { orderId: string }).orderId, started);
    postMs.push(Date.now() - started);
  };
  const inFlight: Promise<void>[] = [];
  const start = Date.now();
  const total = rate * seconds;
  for (let n = 0; n < total; n++) {
    const due = start + (n * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(place(n));
  }
  await Promise.all(inFlight);
  const offeredFor = (Date.now() - start) / 1000;
  // Past the offered rate the backlog only grows; after SETTLE_MS report what did finish.
  const settleBy = Date.now() + SETTLE_MS;
  let settledAt = Date.now();
  while ((await outcomes.estimatedDocumentCount()) < baseline + sent.size && Date.now() < settleBy) {
    await new Promise((r) => setTimeout(r, 100));
    settledAt = Date.now();
  }
  const cpuAfter = cpuNow();
  const commands = metricsUrl && commandsBefore ? workDone(commandsBefore, await commandCounts(metricsUrl)) : undefined;
  const docs = (await outcomes.find({}).toArray()).filter((d) => sent.has(d._id));
  await mongo.close();
  const perOrder = (n: number) => Math.round((n / Math.max(1, sent.size)) * 100) / 100;
  const cpuMsPerOrder = Object.fromEntries(
    Object.keys(pids).map((k) => [
      k,
      Math.round((((cpuAfter[k] ?? 0) - (cpuBefore[k] ?? 0)) * 100000) / Math.max(1, sent.size)) / 100,
    ]),
  );
  const lags = docs.map((d) => d.recordedAt.getTime() - (sent.get(d._id) ?? 0)).sort((a, b) => a - b);
  const pct = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? Number.NaN;
  return {
    offeredPerSec: rate,
    orders: sent.size,
    refused,
    failed,
    /** Accepted orders that took longer than a second to reach their final status. */
    over1s: lags.filter((l) => l > 1_000).length,
    final: docs.length,
    notFinal: sent.size - docs.length,
    confirmed: docs.filter((d) => d.status === 'CONFIRMED').length,
    sustainedPerSec: Math.round((sent.size / ((settledAt - start) / 1000)) * 10) / 10,
    offeredForSeconds: Math.round(offeredFor * 10) / 10,
    lagP50Ms: pct(0.5),
    lagP99Ms: pct(0.99),
    lagMaxMs: lags.at(-1) ?? Number.NaN,
    /** How long the accepted POST /orders took to answer (part of the lag). */
    postP99Ms: percentile(postMs, 0.99) ?? Number.NaN,
    /** Database commands per order end to end (seeding excluded), and by command. */
    commandsPerOrder: commands ? perOrder(commands.total) : undefined,
    commandsByType: commands
      ? Object.fromEntries(Object.entries(commands.byCommand).map(([k, n]) => [k, perOrder(n)]))
      : undefined,
    /** CPU milliseconds per order: the services (one process), the database, the broker. */
    cpuMsPerOrder,
    /** CPU milliseconds per second with no traffic, measured just before the orders. */
    idleCpuMsPerSec,
  };
}

async function perService(mongoUrl: string, amqpUrl: string) {
  const rows: Array<{
    service: string;
    bundleKiB: number;
    readyMs: number;
    idleRssMb: number;
    loadRssMb: number;
    loadPerSec: number;
  }> = [];
  for (const service of serviceNames()) {
    const { bytes } = await bundle(service);
    const readies: number[] = [];
    let last: { child: ChildProcess; port: number } | undefined;
    for (let i = 0; i < 3; i++) {
      last?.child.kill();
      const port = await freePort();
      const started = performance.now();
      const child = spawn(process.execPath, [join(root, 'services', service, 'dist', 'main.mjs')], {
        env: {
          PATH: process.env.PATH ?? '',
          PORT: String(port),
          HOST: '127.0.0.1',
          SERVICE_NAME: service,
          MONGO_URL: `${mongoUrl.replace(/\/?$/, '/')}bench_${service}`,
          AMQP_URL: amqpUrl,
          AMQP_EXCHANGE: 'bench.startup',
          JWT_SECRET: BENCH_JWT_SECRET,
          LOG_LEVEL: 'warn',
        },
        stdio: 'ignore',
      });
      for (;;) {
        const ok = (await fetch(`http://127.0.0.1:${port}/${service}/ready`).catch(() => undefined))?.status === 200;
        if (ok) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      readies.push(performance.now() - started);
      last = { child, port };
    }
    if (!last) continue;
    await new Promise((r) => setTimeout(r, 2_000));
    const pid = last.child.pid as number;
    const idle = rssMb(pid);
    const path = { customer: '/customer/orders', products: '/products?limit=20', shopping: '/shopping/cart' }[service];
    const { result, peakMb } = await peakRss(
      pid,
      runLoad({
        url: `http://127.0.0.1:${last.port}`,
        connections,
        duration: Math.min(duration, 5),
        requests: [{ method: 'GET', path }],
        tokens: customerTokens,
      }),
    );
    last.child.kill();
    rows.push({
      service,
      bundleKiB: Math.round(bytes / 1024),
      readyMs: Math.round(readies.sort((a, b) => a - b)[1] ?? 0),
      idleRssMb: idle,
      loadRssMb: peakMb,
      loadPerSec: Math.round(result.requestsPerSec),
    });
    log(
      `  ${service}: bundle ${Math.round(bytes / 1024)} KiB, ready in ${Math.round(readies[1] ?? 0)} ms, RSS idle ${idle} MB, under load ${peakMb} MB`,
    );
  }
  return rows;
}

type HttpSuite = Awaited<ReturnType<typeof httpSuite>>;

log(
  `machine: ${cpus().length} x ${cpus()[0]?.model}, Node.js ${process.version}; ${connections} connections, ${duration} s per run`,
);
const { backends, teardown } = await provisionBackends();
log(`servers: ${backends.origin}`);
try {
  // The event pipeline first, each rate on servers of its own (when this harness starts them):
  // FerretDB's SQLite files slow down as they grow and as their write-ahead log piles up under
  // load, so a run must not inherit another's data or backlog.
  const events = [];
  for (const rate of parts.has('pipeline') ? rates : []) {
    log(`\nevent pipeline at ${rate} orders/s for ${pipelineSeconds} s (real servers, fresh platform)`);
    const own = backends.database.kind === 'local' ? await provisionBackends() : { backends, teardown: async () => {} };
    try {
      const fresh = await startPlatform({
        MONGO_URL: own.backends.mongoUrl,
        AMQP_URL: own.backends.amqpUrl,
        AMQP_EXCHANGE: `bench.${uuidv7().slice(-6)}`,
      });
      if (warmupSeconds > 0) {
        const warmRate = Math.min(rate, WARMUP_MAX_RATE);
        const warm = await pipeline(fresh, own.backends, warmRate, warmupSeconds);
        log(
          `  warm-up, ${warm.orders} orders at ${warmRate}/s on the fresh process: CPU ms per order ${JSON.stringify(warm.cpuMsPerOrder)}`,
        );
      }
      const run = await pipeline(fresh, own.backends, rate);
      await fresh.stop();
      events.push(run);
      log(
        `  ${run.orders} orders accepted, ${run.refused} refused, ${run.failed} failed, ${run.over1s} over 1 s, ${run.final} final${run.notFinal ? ` (${run.notFinal} not final ${SETTLE_MS / 1000} s after the last)` : ''}, sustained ${run.sustainedPerSec}/s, lag p50 ${run.lagP50Ms} ms, p99 ${run.lagP99Ms} ms, max ${run.lagMaxMs} ms (POST p99 ${run.postP99Ms} ms)`,
      );
      log(
        `  per order: ${run.commandsPerOrder ?? '?'} database commands ${JSON.stringify(run.commandsByType ?? {})}, CPU ms ${JSON.stringify(run.cpuMsPerOrder)}; idle CPU ms/s ${JSON.stringify(run.idleCpuMsPerSec)}`,
      );
    } finally {
      await own.teardown();
    }
  }

  let http:
    | { hello: LoadResult; embedded: HttpSuite; real: HttpSuite; alternated: Awaited<ReturnType<typeof alternated>> }
    | undefined;
  if (parts.has('http')) {
    log('\nceiling: bare Hono hello-world');
    const helloServer = await startHello();
    process.once('exit', helloServer.stop);
    const hello = await getLoad(helloServer.url, '/hello');
    log(`  ${Math.round(hello.requestsPerSec)} /s, p50 ${hello.latencyP50} ms, p99 ${hello.latencyP99} ms`);

    // as a user runs it: the default log level (every request's access log line written)
    log('\nnpm start, embedded store and bus, LOG_LEVEL=info (the default)');
    const embeddedPlatform = await startPlatform({ LOG_LEVEL: 'info' }, { discard: true });
    const embedded = await httpSuite(embeddedPlatform, 'embedded');
    log('\nGET /products/:id embedded against the hello-world, alternated');
    const rounds = await alternated(helloServer.url, embeddedPlatform.url, `/products/${embedded.product}`);
    await embeddedPlatform.stop();
    helloServer.stop();

    log('\nnpm start, RabbitMQ and FerretDB');
    const realPlatform = await startPlatform({
      MONGO_URL: backends.mongoUrl,
      AMQP_URL: backends.amqpUrl,
      AMQP_EXCHANGE: `bench.${uuidv7().slice(-6)}`,
    });
    const real = await httpSuite(realPlatform, 'real', backends.mongoUrl);
    await realPlatform.stop();
    http = { hello, embedded, real, alternated: rounds };
  }

  let services: Awaited<ReturnType<typeof perService>> = [];
  if (parts.has('services')) {
    log('\nper service bundle (real servers)');
    services = await perService(backends.mongoUrl, backends.amqpUrl);
  }

  if (events.length > 0) {
    log(
      `\n${'offered/s'.padStart(9)} ${'accepted'.padStart(8)} ${'refused'.padStart(8)} ${'final'.padStart(6)} ${'>1 s'.padStart(5)} ${'sustained'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'cmds'.padStart(6)} ${'CPU ms'.padStart(7)}`,
    );
    for (const e of events)
      log(
        `${String(e.offeredPerSec).padStart(9)} ${String(e.orders).padStart(8)} ${String(e.refused).padStart(8)} ${String(e.final).padStart(6)} ${String(e.over1s).padStart(5)} ${String(e.sustainedPerSec).padStart(10)} ${String(e.lagP50Ms).padStart(8)} ${String(e.lagP99Ms).padStart(8)} ${String(e.commandsPerOrder ?? '?').padStart(6)} ${String(Math.round(((e.cpuMsPerOrder.services ?? 0) + (e.cpuMsPerOrder.database ?? 0)) * 10) / 10).padStart(7)}`,
      );
  }
  if (http) {
    const { hello, embedded, real } = http;
    const ratio = (r: LoadResult) => Math.round((r.requestsPerSec / hello.requestsPerSec) * 100);
    const table = (title: string, rows: HttpSuite['rows']) => {
      log(`\n${title}`);
      log(
        `${'endpoint'.padEnd(30)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'of ceiling'.padStart(11)} ${'errors'.padStart(7)}`,
      );
      log(
        `${'hello-world ceiling'.padEnd(30)} ${String(Math.round(hello.requestsPerSec)).padStart(8)} ${String(hello.latencyP50).padStart(7)} ${String(hello.latencyP99).padStart(7)} ${'100%'.padStart(11)} ${String(hello.errors + hello.non2xx).padStart(7)}`,
      );
      for (const r of rows) {
        log(
          `${r.endpoint.padEnd(30)} ${String(Math.round(r.requestsPerSec)).padStart(8)} ${String(r.latencyP50).padStart(7)} ${String(r.latencyP99).padStart(7)} ${`${ratio(r)}%`.padStart(11)} ${String(r.errors + r.non2xx + r.timeouts).padStart(7)}`,
        );
      }
    };
    table('HTTP through the gateway, embedded', embedded.rows);
    table('HTTP through the gateway, RabbitMQ + FerretDB', real.rows);
    log(
      `\nGET /products/:id embedded, of the hello-world in alternated rounds: ${http.alternated.ratios.map((r) => `${r}%`).join(', ')} (median ${http.alternated.median}%)`,
    );
    log(
      `\nprocess RSS: embedded idle ${embedded.idleRssMb} MB / peak ${Math.max(...embedded.rows.map((r) => r.rssPeakMb))} MB; real idle ${real.idleRssMb} MB / peak ${Math.max(...real.rows.map((r) => r.rssPeakMb))} MB`,
    );
  }
  if (services.length > 0) {
    log(
      `\n${'service'.padEnd(10)} ${'bundle KiB'.padStart(10)} ${'ready ms'.padStart(9)} ${'idle MB'.padStart(8)} ${'load MB'.padStart(8)}`,
    );
    for (const s of services)
      log(
        `${s.service.padEnd(10)} ${String(s.bundleKiB).padStart(10)} ${String(s.readyMs).padStart(9)} ${String(s.idleRssMb).padStart(8)} ${String(s.loadRssMb).padStart(8)}`,
      );
  }

  const file = parts.size === 3 ? 'results.json' : `results-${[...parts].sort().join('-')}.json`;
  writeFileSync(
    join(import.meta.dirname, file),
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
        settings: { duration, connections, rates, pipelineSeconds, warmupSeconds },
        ceiling: http?.hello,
        embedded: http?.embedded,
        real: http?.real,
        embeddedGetOfCeilingAlternated: http?.alternated,
        pipeline: events,
        services,
      },
      null,
      2,
    )}\n`,
  );
  log(`\nwritten to bench/${file}`);
} finally {
  await teardown();
}
