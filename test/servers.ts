/**
 * Real servers for the integration suites, from wherever they can come:
 *   1. MONGO_URL / AMQP_URL when set (your own servers);
 *   2. Testcontainers (RABBITMQ_IMAGE and MONGO_IMAGE, by default rabbitmq:4.1-management and
 *      mongo:8.0) when a Docker engine answers and the images are there or can be pulled, as on
 *      GitHub's runners;
 *   3. local `rabbitmq-server` and `ferretdb` programs, started on free ports in a temp dir;
 * and otherwise a loud failure that says how to get one of them. Nothing is skipped.
 * TEST_BACKENDS=containers or TEST_BACKENDS=local insists on one of the last two (CI runs the
 * suites once each way); a Docker engine that answers but cannot give the images is reported in
 * one line, and the local programs are used instead.
 *
 * The broker (and database) can be stopped and started again from a test, which the reconnect
 * and fault tests need; how depends on where the server came from (`ServerControl`).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, openSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type ServerControl =
  | {
      kind: 'local';
      program: 'rabbitmq' | 'ferretdb';
      command: string;
      args: string[];
      env: Record<string, string>;
      pidFile: string;
      port: number;
      dir: string;
      /** FerretDB's Prometheus metrics (commands served, by name), for the benchmark. */
      metricsUrl?: string;
    }
  | { kind: 'docker'; program: 'rabbitmq' | 'mongo'; containerId: string }
  | { kind: 'none'; reason: string };

export interface Backends {
  mongoUrl: string;
  amqpUrl: string;
  /** Where they came from, printed at the start of the run. */
  origin: string;
  broker: ServerControl;
  database: ServerControl;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export async function waitForPort(port: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.setTimeout(500);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.connect(port, '127.0.0.1');
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not open port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function which(names: string[]): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const name of names) {
    if (name.startsWith('/')) {
      if (existsSync(name)) return name;
      continue;
    }
    for (const dir of dirs) if (existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The Debian package's real start script; its /usr/sbin wrapper insists on the rabbitmq user. */
export const rabbitmqProgram = () => which(['/usr/lib/rabbitmq/bin/rabbitmq-server', 'rabbitmq-server']);
export const ferretdbProgram = () =>
  which([process.env.FERRETDB_BIN ?? 'ferretdb', 'ferretdb', join(homedir(), 'go/bin/ferretdb')]);

// ---------------------------------------------------------------------------------------------
// Local programs

async function rabbitmqControl(dir: string): Promise<Extract<ServerControl, { kind: 'local' }>> {
  const command = rabbitmqProgram();
  if (!command) throw new Error('rabbitmq-server not found');
  const port = await freePort();
  const distPort = await freePort();
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  // Small disk/memory alarms would block publishers on a busy CI machine; these are test brokers.
  await writeFile(join(dir, 'rabbitmq.conf'), 'loopback_users = none\ndisk_free_limit.absolute = 50MB\n');
  const node = `rabbit-test-${port}@localhost`;
  const plugins = await brokerApplications(command, join(dir, 'plugins'));
  return {
    kind: 'local',
    program: 'rabbitmq',
    command,
    args: [],
    port,
    dir,
    pidFile: join(dir, 'rabbitmq.pid'),
    env: {
      HOME: dir, // the Erlang cookie lives here, for the server and rabbitmqctl alike
      RABBITMQ_NODENAME: node,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(port),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
      ...(plugins && { RABBITMQ_PLUGINS_DIR: plugins }),
      // ERL_AFLAGS comes first on erl's command line, so this runs before `-s rabbit boot`.
      ERL_AFLAGS: `-eval "${PRELOAD_BROKER_MODULES}"`,
    },
  };
}

/**
 * Loads the modules of `rabbit` and of every application it depends on, in parallel
 * (code:ensure_modules_loaded), before the broker boots. RabbitMQ 3.10 reads the attributes of
 * every module of every loaded application early in its start (its upgrade and feature-flag
 * scans), which loads them one at a time, each compiled by the JIT: about 950 modules, 2.8-4 s of
 * a start here, against 0.9-1.2 s in parallel on two cores. A restart after a kill -9 (with the
 * election below), alternated runs in one hour: 5.8-9.8 s before, 1.9-2.8 s after.
 */
const PRELOAD_BROKER_MODULES = [
  // not for the Erlang VMs the broker starts (its epmd check): they would preload it all again
  "os:unsetenv(atom_to_list('ERL_AFLAGS')),",
  'Apps = fun Apps([], Seen) -> Seen; Apps([A | Rest], Seen) -> case lists:member(A, Seen) of',
  '  true -> Apps(Rest, Seen);',
  '  false -> application:load(A),',
  '    Deps = [D || K <- [applications, included_applications], {ok, Ds} <- [application:get_key(A, K)], D <- Ds],',
  '    Apps(Deps ++ Rest, [A | Seen]) end end,',
  'code:ensure_modules_loaded(lists:append([Ms || A <- Apps([rabbit], []), {ok, Ms} <- [application:get_key(A, modules)]])).',
].join(' ');

/**
 * A test broker's plugins directory: links to the applications the broker itself runs on (`rabbit`
 * and what it depends on, per their .app files), none of the plugins. RabbitMQ 3.10 reads every
 * module of every application it finds there at each start (feature flags, upgrade steps): with
 * the Debian package's 70 a start took 7.6 s of one core here, with the 22 it needs 4.5 s.
 * Undefined, and the broker's own directory is used, when the installation looks otherwise.
 */
async function brokerApplications(command: string, target: string): Promise<string | undefined> {
  const installed = join(dirname(realpathSync(command)), '..', 'plugins');
  if (!existsSync(installed)) return undefined;
  const dirOf = new Map<string, string>(); // application -> its directory, `<name>-<version>`
  for (const entry of await readdir(installed)) {
    const name = /^(\w+)-\d[\w.]*$/.exec(entry)?.[1];
    if (name && existsSync(join(installed, entry, 'ebin', `${name}.app`))) dirOf.set(name, entry);
  }
  const needed = new Map<string, string>();
  const visit = async (app: string): Promise<void> => {
    const entry = dirOf.get(app);
    if (!entry || needed.has(app)) return; // not there: part of Erlang/OTP
    needed.set(app, entry);
    const spec = await readFile(join(installed, entry, 'ebin', `${app}.app`), 'utf8');
    for (const key of ['applications', 'included_applications']) {
      const list = new RegExp(`\\{${key},\\s*\\[([^\\]]*)\\]`).exec(spec)?.[1] ?? '';
      for (const dep of list.split(',')) await visit(dep.trim());
    }
  };
  await visit('rabbit');
  if (!needed.has('rabbit')) return undefined;
  await mkdir(target, { recursive: true });
  for (const entry of needed.values()) await symlink(join(installed, entry), join(target, entry));
  return target;
}

export async function ferretdbControl(
  dir: string,
  extraArgs: string[] = [],
): Promise<Extract<ServerControl, { kind: 'local' }>> {
  const command = ferretdbProgram();
  if (!command) throw new Error('ferretdb not found');
  const port = await freePort();
  const debugPort = await freePort();
  await mkdir(join(dir, 'data'), { recursive: true });
  return {
    kind: 'local',
    program: 'ferretdb',
    command,
    port,
    dir,
    pidFile: join(dir, 'ferretdb.pid'),
    metricsUrl: `http://127.0.0.1:${debugPort}/debug/metrics`,
    args: [
      '--handler=sqlite',
      // synchronous(normal): SQLite in WAL mode then skips the fsync at every commit, as MongoDB's
      // default write concern does not wait for its journal either; a killed server loses nothing
      // (the drills kill it), only a power cut could. Each write is 2-3 times cheaper.
      `--sqlite-url=file:${join(dir, 'data')}/?_pragma=synchronous(normal)`,
      `--listen-addr=127.0.0.1:${port}`,
      `--debug-addr=127.0.0.1:${debugPort}`,
      '--telemetry=disable',
      '--log-level=error',
      ...extraArgs,
    ],
    env: {},
  };
}

/** Starts a local server (again) and waits until it accepts connections. */
export async function startLocal(control: Extract<ServerControl, { kind: 'local' }>): Promise<void> {
  const out = openSync(join(control.dir, `${control.program}.out.log`), 'a');
  const child = spawn(control.command, control.args, {
    env: { ...process.env, ...control.env },
    cwd: control.dir,
    detached: true,
    stdio: ['ignore', out, out],
  });
  child.unref();
  if (control.program === 'ferretdb' && child.pid) writeFileSync(control.pidFile, String(child.pid));
  await waitForPort(control.port, 60_000, control.program);
  // The AMQP port opens before the broker finished booting: wait for the real thing, then elect.
  if (control.program === 'rabbitmq') await brokerEval(control, `ok = rabbit:await_startup(), ${ELECT_QUORUM_LEADERS}`);
}

/**
 * Evaluates Erlang expressions on a local broker node, with Erlang's erl_call (a few milliseconds)
 * where there is one, else with `rabbitmqctl eval` (an Erlang VM of its own: 0.5-1.2 s here).
 */
async function brokerEval(control: Extract<ServerControl, { kind: 'local' }>, expressions: string): Promise<string> {
  const node = control.env.RABBITMQ_NODENAME as string;
  const { ERL_AFLAGS: _broker, ...env } = { ...process.env, ...control.env }; // the preload is the broker's
  const erlCall = erlCallProgram();
  if (!erlCall) return (await run(rabbitmqctl(control.command), ['-n', node, 'eval', expressions], { env })).stdout;
  const child = spawn(erlCall, ['-n', node, '-e'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const timer = setTimeout(() => child.kill(), 60_000);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  child.stdin.end(`${expressions}\n`);
  await new Promise((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  // erl_call exits 0 on an evaluation error too: only `{ok, Result}` is success
  if (!output.startsWith('{ok,')) throw new Error(`the broker ${node} did not evaluate the expressions: ${output}`);
  return output;
}

/** erl_call from the Erlang installation that runs `erl`, if it ships one. */
function erlCallProgram(): string | undefined {
  const erl = which(['erl']);
  if (!erl) return undefined;
  const root = join(dirname(realpathSync(erl)), '..');
  const holders = existsSync(root) ? readdirSync(root).filter((d) => d.startsWith('erts-')) : [];
  return holders.map((d) => join(root, d, 'bin', 'erl_call')).find((p) => existsSync(p));
}

/**
 * RabbitMQ 3.10 (Debian 12's package, and the broker stand-in image built from it) can leave a
 * single-node quorum queue without a leader after a restart (rabbitmq/rabbitmq-server#10070):
 * publishes to it are never confirmed and consumers time out. Its maintainers' workaround is to
 * trigger an election; a leader ignores it. Here: every quorum queue gets one at once, then those
 * that name no leader within 250 ms (a member still starting included) get another every 100 ms
 * (at most 50 rounds); prints how many are left (0). Asking first, one queue after the other, made
 * a broker with six queues wait 0.6 s for its leaders.
 */
const ELECT_QUORUM_LEADERS = [
  'Leaderless = fun(Pids) -> [P || P <- Pids, element(1, catch ra:members(P, 250)) =/= ok] end,',
  'Elect = fun Elect(_, []) -> 0; Elect(0, Pids) -> length(Pids);',
  '  Elect(N, Pids) -> [(catch ra:trigger_election(P)) || P <- Pids], timer:sleep(100),',
  '  Elect(N - 1, Leaderless(Pids)) end,',
  'Elect(50, [amqqueue:get_pid(Q) || Q <- rabbit_amqqueue:list(), amqqueue:get_type(Q) =:= rabbit_quorum_queue]).',
].join(' ');

/** The same, in a broker container (the stand-in is 3.10; a 4.x broker may refuse it, which is fine). */
export async function electQuorumLeaders(containerId: string): Promise<void> {
  await run('docker', ['exec', containerId, 'rabbitmqctl', 'eval', ELECT_QUORUM_LEADERS]).catch(() => {});
}

const rabbitmqctl = (server: string) => server.replace(/rabbitmq-server$/, 'rabbitmqctl');

async function pidOf(control: Extract<ServerControl, { kind: 'local' }>): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(control.pidFile, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The OS process id of a local server, while it runs. */
export const localPid = (control: ServerControl) =>
  control.kind === 'local' ? pidOf(control) : Promise.resolve(undefined);

/** Stops a local server: SIGKILL (crash) or SIGTERM (clean stop); resolves once it is gone. */
export async function stopLocal(control: Extract<ServerControl, { kind: 'local' }>, hard: boolean): Promise<void> {
  const pid = await pidOf(control);
  if (!pid) return;
  try {
    process.kill(pid, hard ? 'SIGKILL' : 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 30_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

async function startLocalServers(): Promise<Backends> {
  const base = join(tmpdir(), `platform-test-${process.pid}-${Date.now()}`);
  const [broker, database] = await Promise.all([
    rabbitmqControl(join(base, 'rabbitmq')),
    ferretdbControl(join(base, 'ferretdb')),
  ]);
  await Promise.all([startLocal(broker), startLocal(database)]);
  return {
    mongoUrl: `mongodb://127.0.0.1:${database.port}/`,
    amqpUrl: `amqp://guest:guest@127.0.0.1:${broker.port}`,
    origin: `local programs: ${broker.command} on :${broker.port}, ${database.command} on :${database.port} (data in ${base})`,
    broker,
    database,
  };
}

// ---------------------------------------------------------------------------------------------
// Testcontainers

/** The images the Testcontainers path starts: the real ones unless the variables name others. */
export function serverImages() {
  return {
    rabbitmq: process.env.RABBITMQ_IMAGE || 'rabbitmq:4.1-management',
    mongo: process.env.MONGO_IMAGE || 'mongo:8.0',
  };
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]?.trim();

/**
 * Each image present, or pulled now. Returns why not, in one line, for the first one missing:
 * a registry out of reach otherwise ends in a docker-modem stack trace from deep in a start().
 */
export async function unavailableImage(images: string[]): Promise<string | undefined> {
  const { getContainerRuntimeClient, ImageName } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  for (const image of images) {
    const name = ImageName.fromString(image);
    if (await client.image.exists(name)) continue;
    try {
      await client.image.pull(name);
    } catch (err) {
      return `${image} is not on this machine and cannot be pulled (${firstLine(err)})`;
    }
  }
  return undefined;
}

async function startContainers(): Promise<{ backends: Backends; stop: () => Promise<void> }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const images = serverImages();
  const [rabbit, mongo] = await Promise.all([
    new GenericContainer(images.rabbitmq)
      .withExposedPorts(5672)
      .withWaitStrategy(Wait.forLogMessage('Server startup complete'))
      .withStartupTimeout(120_000)
      .start(),
    // The port opens once the server accepts connections, in mongod as in its stand-ins.
    new GenericContainer(images.mongo)
      .withExposedPorts(27017)
      .withWaitStrategy(Wait.forListeningPorts())
      .withStartupTimeout(120_000)
      .start(),
  ]);
  return {
    backends: {
      mongoUrl: `mongodb://${mongo.getHost()}:${mongo.getMappedPort(27017)}/`,
      amqpUrl: `amqp://guest:guest@${rabbit.getHost()}:${rabbit.getMappedPort(5672)}`,
      origin: `Testcontainers: ${images.rabbitmq}, ${images.mongo}`,
      broker: { kind: 'docker', program: 'rabbitmq', containerId: rabbit.getId() },
      database: { kind: 'docker', program: 'mongo', containerId: mongo.getId() },
    },
    stop: async () => {
      await Promise.all([rabbit.stop(), mongo.stop()]);
    },
  };
}

// ---------------------------------------------------------------------------------------------

export async function provisionBackends(): Promise<{ backends: Backends; teardown: () => Promise<void> }> {
  const given = { mongo: process.env.MONGO_URL, amqp: process.env.AMQP_URL };
  if (given.mongo && given.amqp) {
    const none: ServerControl = {
      kind: 'none',
      reason: 'servers given by MONGO_URL/AMQP_URL cannot be restarted by the tests',
    };
    return {
      backends: {
        mongoUrl: given.mongo,
        amqpUrl: given.amqp,
        origin: 'MONGO_URL and AMQP_URL',
        broker: none,
        database: none,
      },
      teardown: async () => {},
    };
  }
  const want = process.env.TEST_BACKENDS || 'auto';
  if (!['auto', 'containers', 'local'].includes(want)) {
    throw new Error(`TEST_BACKENDS=${want}: expected containers, local, or nothing (whichever is there)`);
  }
  if (want !== 'local') {
    const why = !(await dockerAnswers())
      ? 'no Docker engine answers'
      : await unavailableImage(Object.values(serverImages()));
    if (!why) {
      const { backends, stop } = await startContainers();
      return { backends, teardown: stop };
    }
    if (want === 'containers') {
      throw new Error(
        `TEST_BACKENDS=containers, but ${why}. Start Docker, or build local stand-ins and select them ` +
          '(.ci/docker-standins.sh; docs/CONTAINERS.md).',
      );
    }
    if (why !== 'no Docker engine answers') {
      process.stderr.write(`[test servers] Docker answers, but ${why}: using local programs instead\n`);
    }
  }
  if (rabbitmqProgram() && ferretdbProgram()) {
    const backends = await startLocalServers();
    return {
      backends,
      teardown: async () => {
        for (const control of [backends.broker, backends.database]) {
          if (control.kind !== 'local') continue;
          await stopLocal(control, true);
          await rm(control.dir, { recursive: true, force: true }).catch(() => {});
        }
      },
    };
  }
  throw new Error(
    [
      'The integration suites need a RabbitMQ and a MongoDB-compatible server, and none could be found:',
      '  - set MONGO_URL and AMQP_URL to servers of your own, or',
      '  - run a Docker engine that has or can pull the images (Testcontainers starts them), or',
      '  - install local programs: `apt-get install rabbitmq-server` and FerretDB 1.x',
      '    (see .ci/install-ferretdb.sh), on PATH or at FERRETDB_BIN.',
    ].join('\n'),
  );
}

/** Stops the broker or database (SIGKILL when `hard`) and starts it again, from inside a test. */
export async function restartServer(control: ServerControl, o: { hard: boolean; downMs?: number }): Promise<void> {
  if (control.kind === 'none') throw new Error(`cannot restart the server: ${control.reason}`);
  if (control.kind === 'local') {
    await stopLocal(control, o.hard);
    await new Promise((r) => setTimeout(r, o.downMs ?? 0));
    await startLocal(control);
    return;
  }
  const exec = (...args: string[]) => run('docker', ['exec', control.containerId, ...args]);
  if (control.program === 'rabbitmq') {
    await exec('rabbitmqctl', 'stop_app');
    await new Promise((r) => setTimeout(r, o.downMs ?? 0));
    await exec('rabbitmqctl', 'start_app');
    await exec('rabbitmqctl', 'await_startup');
    await electQuorumLeaders(control.containerId);
    return;
  }
  // A restarted container may get a new host port; pausing it makes the database unreachable
  // the same way, which is what the tests are after.
  await run('docker', ['pause', control.containerId]);
  await new Promise((r) => setTimeout(r, o.downMs ?? 1000));
  await run('docker', ['unpause', control.containerId]);
}
