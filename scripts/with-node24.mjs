/**
 * `npm start` and `npm test` go through here, so that they run on Node.js 24 whatever Node is on
 * PATH (Node 20 and 22 are still common; on them `node scripts/start.ts` dies with
 * ERR_UNKNOWN_FILE_EXTENSION). Plain JavaScript with nothing newer than Node 16 knows: it is the one
 * file that must run on any Node.
 *
 *   node scripts/with-node24.mjs node scripts/start.ts   a script, in this process when on Node 24
 *   node scripts/with-node24.mjs npm run test:steps      a command, with Node 24 first on PATH
 *
 * Node 24 is, in this order: the Node running this file; the one .ci/run and earlier runs put in
 * ~/.cache/platform-node24 (PLATFORM_NODE24_DIR); the newest v24 of nvm; else it is installed
 * there once from the npm registry (the `node-<platform>-<arch>` package, about 30 MB, no install
 * script). PLATFORM_INSTALL_NODE=0 stops with the fix instead of installing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const MAJOR = 24;
const exe = process.platform === 'win32' ? 'node.exe' : 'node';
const FIX = `install Node.js ${MAJOR} and run again: nvm install ${MAJOR} && nvm use ${MAJOR} (the repository's .nvmrc says ${MAJOR}), or fnm / volta / https://nodejs.org`;

const majorOf = (version) => Number(/^v?(\d+)\./.exec(version)?.[1] ?? 0);
const say = (line) => process.stderr.write(`${line}\n`);

/** Runs the command with this terminal; its exit code (or signal) becomes ours. */
function run(file, argv, env) {
  const child = spawn(file, argv, { stdio: 'inherit', env, shell: process.platform === 'win32' && file !== 'node' });
  // Ctrl-C reaches the child from the terminal itself (same process group): passing SIGINT on too
  // would be a second one, which cuts its graceful shutdown short. SIGTERM and SIGHUP may be sent
  // to this process alone (a process manager, a closed terminal), so they are passed on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  // `kill <npm's pid>` ends npm and its shell but not us: once orphaned, stop the child as well.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && child.kill('SIGTERM'), 1_000).unref();
  child.on('error', (err) => {
    say(`could not run ${file}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 143)));
}

function cacheDir() {
  if (process.env.PLATFORM_NODE24_DIR) return process.env.PLATFORM_NODE24_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'platform-node24');
}

/** The npm package that holds Node's binary for this machine (as the `node` package picks it). */
function binaryPackage() {
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const arch = platform === 'win' && process.arch === 'ia32' ? 'x86' : process.arch;
  const prefix = process.platform === 'darwin' && process.arch === 'arm64' ? 'node-bin' : 'node';
  return `${prefix}-${platform}-${arch}`;
}

function isNode24(file) {
  if (!existsSync(file)) return false;
  const result = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 && majorOf(result.stdout.trim()) === MAJOR;
}

function findNode24() {
  const dir = cacheDir();
  const candidates = [join(dir, 'node_modules', '.bin', exe), join(dir, 'node_modules', binaryPackage(), 'bin', exe)];
  const nvm = join(process.env.NVM_DIR || join(homedir(), '.nvm'), 'versions', 'node');
  if (existsSync(nvm)) {
    const versions = readdirSync(nvm)
      .filter((v) => majorOf(v) === MAJOR)
      .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
    candidates.push(...versions.map((v) => join(nvm, v, 'bin', exe)));
  }
  for (const file of candidates) {
    if (isNode24(file)) {
      say(`Node.js ${process.version} is on PATH; running on Node.js ${MAJOR} from ${file}`);
      return file;
    }
  }
  return undefined;
}

function installNode24() {
  const dir = cacheDir();
  const pkg = `${binaryPackage()}@${MAJOR}`;
  if (process.env.PLATFORM_INSTALL_NODE === '0') {
    say(`This platform runs on Node.js ${MAJOR}; Node.js ${process.version} is on PATH.`);
    say(`Fix: ${FIX}; or unset PLATFORM_INSTALL_NODE to let it install Node.js ${MAJOR} into ${dir} by itself.`);
    process.exit(1);
  }
  say(`Node.js ${process.version} is on PATH; this platform runs on Node.js ${MAJOR}.`);
  say(`Installing Node.js ${MAJOR} once into ${dir} (npm install ${pkg}, about 30 MB); later runs start at once.`);
  say(`(To use your own instead: nvm install ${MAJOR} && nvm use ${MAJOR}. PLATFORM_INSTALL_NODE=0 never installs.)`);
  // Installed beside the final place and moved there whole: an interrupted install leaves nothing
  // half-made where the next run looks.
  const staging = `${dir}.installing-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const npmArgs = ['install', '--prefix', staging, '--no-save', '--no-package-lock', '--no-audit', '--no-fund'];
  npmArgs.push('--loglevel=error', pkg);
  const npmCli = process.env.npm_execpath;
  const result = npmCli
    ? spawnSync(process.execPath, [npmCli, ...npmArgs], { stdio: ['ignore', 'inherit', 'inherit'] })
    : spawnSync('npm', npmArgs, { stdio: ['ignore', 'inherit', 'inherit'], shell: process.platform === 'win32' });
  const installed = join(staging, 'node_modules', binaryPackage(), 'bin', exe);
  if (result.status !== 0 || !isNode24(installed)) {
    rmSync(staging, { recursive: true, force: true });
    const why = result.error ? result.error.message : `npm exited with ${result.status}`;
    say(`Could not install Node.js ${MAJOR} (${why}). Fix: ${FIX}.`);
    process.exit(1);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  const node = join(dir, 'node_modules', binaryPackage(), 'bin', exe);
  say(`Node.js ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()} installed in ${dir}`);
  return node;
}

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: node scripts/with-node24.mjs <node script.ts | command> [args...]\n');
  process.exit(2);
}

if (majorOf(process.version) === MAJOR) {
  if (command === 'node' && args[0] && !args[0].startsWith('-')) {
    // The script runs in this process, as `node <script>` would: no second process to manage.
    process.argv = [process.execPath, ...args];
    await import(pathToFileURL(args[0]).href);
  } else {
    run(command, args, process.env);
  }
} else {
  if (process.env.PLATFORM_NODE24_LAUNCHED) {
    say(`scripts/with-node24.mjs: started on ${process.version} although Node.js ${MAJOR} was asked for: ${FIX}`);
    process.exit(1);
  }
  const node = findNode24() ?? installNode24();
  const env = {
    ...process.env,
    PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}`,
    PLATFORM_NODE24_LAUNCHED: '1',
  };
  run(command === 'node' ? node : command, args, env);
}
