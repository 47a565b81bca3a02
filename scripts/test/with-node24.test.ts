/**
 * scripts/with-node24.mjs run by a real older Node (20 or 22: /usr/bin/node on Debian, else one
 * installed once from the npm registry), as `npm start` and `npm test` run it on a machine
 * without Node 24: the script runs on Node 24 anyway, or the launcher stops at once with the fix.
 * The download itself is played by a stand-in npm (no 30 MB per test run).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const launcher = join(root, 'scripts', 'with-node24.mjs');
const node24 = process.execPath;
const majorOf = (file: string) =>
  Number(/^v(\d+)\./.exec(execFileSync(file, ['--version'], { encoding: 'utf8' }))?.[1]);

/** A Node of another major: the system's, or one installed once beside .ci/run's Node 24. */
function olderNode(): string {
  const found = [
    '/usr/bin/node',
    '/usr/local/bin/node',
    ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'node')),
  ].find((file) => existsSync(file) && majorOf(file) < 24);
  if (found) return found;
  const dir = join(homedir(), '.cache', 'platform-node22');
  const pkg = `node-${process.platform}-${process.arch}`;
  const file = join(dir, 'node_modules', pkg, 'bin', 'node');
  if (!existsSync(file)) {
    execFileSync('npm', ['install', '--prefix', dir, '--no-save', '--no-package-lock', `${pkg}@22`], {
      stdio: 'ignore',
    });
  }
  return file;
}

let work: string;
let oldNode: string;
/** PATH with neither Node 24 nor any other node first: the older Node is the `node` found. */
let pathWithOldNode: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'with-node24-'));
  oldNode = olderNode();
  mkdirSync(join(work, 'bin'));
  symlinkSync(oldNode, join(work, 'bin', 'node'));
  const rest = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => d && !(existsSync(join(d, 'node')) && majorOf(join(d, 'node')) === 24));
  pathWithOldNode = [join(work, 'bin'), ...rest, dirname(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim())]
    .filter(Boolean)
    .join(delimiter);
  // What the target scripts report: the Node running them and what they were given.
  writeFileSync(
    join(work, 'report.mjs'),
    `process.stdout.write(JSON.stringify({ version: process.version, pid: process.pid, args: process.argv.slice(2),
      pathHead: process.env.PATH.split(${JSON.stringify(delimiter)})[0] }) + '\\n');
     process.exitCode = Number(process.env.EXIT_CODE ?? 0);`,
  );
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A cache dir as .ci/run leaves it: node_modules/.bin/node is a Node 24. */
function cacheWithNode24(): string {
  const dir = mkdtempSync(join(work, 'cache-'));
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(node24, join(dir, 'node_modules', '.bin', 'node'));
  return dir;
}

function launch(node: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(node, [launcher, ...args], {
    encoding: 'utf8',
    cwd: root,
    timeout: 60_000,
    env: { PATH: pathWithOldNode, HOME: process.env.HOME ?? '', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('on an older Node', () => {
  it('is really an older Node', () => {
    expect(majorOf(oldNode)).toBeLessThan(24);
  });

  it('runs a script on the Node 24 it finds, with its arguments and exit code, Node 24 first on PATH', () => {
    const cache = cacheWithNode24();
    const r = launch(oldNode, ['node', join(work, 'report.mjs'), 'a', 'b c'], {
      PLATFORM_NODE24_DIR: cache,
      EXIT_CODE: '7',
    });
    expect(r.status).toBe(7);
    const report = JSON.parse(r.stdout);
    expect(report.version).toMatch(/^v24\./);
    expect(report.args).toEqual(['a', 'b c']);
    expect(report.pathHead).toBe(join(cache, 'node_modules', '.bin'));
    expect(r.stderr).toContain(`is on PATH; running on Node.js 24 from ${join(cache, 'node_modules', '.bin', 'node')}`);
  });

  it('runs a command with Node 24 first on PATH (npm test: npm run test:steps)', () => {
    const r = launch(oldNode, ['sh', '-c', 'node --version'], { PLATFORM_NODE24_DIR: cacheWithNode24() });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^v24\./);
  });

  it('stops at once with the fix when told not to install', () => {
    const cache = join(work, 'empty-cache');
    const started = Date.now();
    const r = launch(oldNode, ['node', join(work, 'report.mjs')], {
      PLATFORM_NODE24_DIR: cache,
      PLATFORM_INSTALL_NODE: '0',
      NVM_DIR: join(work, 'no-nvm'),
    });
    expect(r.status).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('This platform runs on Node.js 24; Node.js v');
    expect(r.stderr).toContain('Fix: install Node.js 24 and run again: nvm install 24 && nvm use 24');
    expect(existsSync(cache)).toBe(false);
  });

  /** An npm that "installs" by linking Node 24 where the real one would put it, and notes its arguments. */
  function fakeNpm(fail: boolean): string {
    const file = join(work, `fake-npm-${fail ? 'failing' : 'working'}.cjs`);
    writeFileSync(
      file,
      `const fs = require('node:fs'); const path = require('node:path');
       const args = process.argv.slice(2);
       fs.appendFileSync(${JSON.stringify(join(work, 'npm-calls'))}, JSON.stringify(args) + '\\n');
       if (${fail}) { process.stderr.write('npm error 404 Not Found\\n'); process.exit(1); }
       const prefix = args[args.indexOf('--prefix') + 1];
       const pkg = args.at(-1).replace(/@24$/, '');
       fs.mkdirSync(path.join(prefix, 'node_modules', pkg, 'bin'), { recursive: true });
       fs.symlinkSync(${JSON.stringify(node24)}, path.join(prefix, 'node_modules', pkg, 'bin', 'node'));`,
    );
    return file;
  }
  const npmCalls = () =>
    existsSync(join(work, 'npm-calls'))
      ? readFileSync(join(work, 'npm-calls'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as string[])
      : [];

  it('installs Node 24 once into the cache (from the npm registry), then runs on it; later runs find it', () => {
    rmSync(join(work, 'npm-calls'), { force: true });
    const cache = join(work, 'fresh-cache');
    const env = { PLATFORM_NODE24_DIR: cache, npm_execpath: fakeNpm(false), NVM_DIR: join(work, 'no-nvm') };
    const first = launch(oldNode, ['node', join(work, 'report.mjs')], env);
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).version).toMatch(/^v24\./);
    expect(first.stderr).toContain(`Installing Node.js 24 once into ${cache}`);
    const pkg = `${process.platform === 'darwin' && process.arch === 'arm64' ? 'node-bin' : 'node'}-${process.platform}-${process.arch}`;
    const [call] = npmCalls();
    expect(call?.slice(0, 2)).toEqual(['install', '--prefix']);
    expect(call?.[2]).toMatch(new RegExp(`^${cache}\\.installing-\\d+$`)); // staged, then moved whole
    expect(call?.at(-1)).toBe(`${pkg}@24`);
    expect(readdirSync(work).filter((f) => f.startsWith('fresh-cache.installing'))).toEqual([]);

    const second = launch(oldNode, ['node', join(work, 'report.mjs')], env);
    expect(JSON.parse(second.stdout).version).toMatch(/^v24\./);
    expect(npmCalls()).toHaveLength(1);
    expect(second.stderr).not.toContain('Installing');
  });

  it('says the fix when the install fails, and leaves nothing half-installed', () => {
    const cache = join(work, 'failed-cache');
    const r = launch(oldNode, ['node', join(work, 'report.mjs')], {
      PLATFORM_NODE24_DIR: cache,
      npm_execpath: fakeNpm(true),
      NVM_DIR: join(work, 'no-nvm'),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'Could not install Node.js 24 (npm exited with 1). Fix: install Node.js 24 and run again',
    );
    expect(readdirSync(work).filter((f) => f.startsWith('failed-cache'))).toEqual([]);
  });

  it('passes SIGTERM on to the script and exits as it does', async () => {
    const target = join(work, 'graceful.mjs');
    writeFileSync(
      target,
      `process.on('SIGTERM', () => { process.stdout.write('stopped on ' + process.version + '\\n'); process.exit(0); });
       process.stdout.write('up\\n'); setInterval(() => {}, 1000);`,
    );
    const child = spawn(oldNode, [launcher, 'node', target], {
      env: { PATH: pathWithOldNode, PLATFORM_NODE24_DIR: cacheWithNode24() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    while (!out.includes('up')) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/stopped on v24\./);
  });

  it('`npm start` and `npm test` themselves: the platform starts on Node 24, the test steps run on it', () => {
    const cache = cacheWithNode24();
    const env = { PATH: pathWithOldNode, HOME: process.env.HOME ?? '', PLATFORM_NODE24_DIR: cache };
    const versions = JSON.parse(execFileSync('npm', ['version', '--json'], { encoding: 'utf8', cwd: root, env }));
    expect(Number(versions.node.split('.')[0])).toBe(majorOf(oldNode)); // npm itself runs on the older Node

    // start.ts on Node 24 reads the settings: a bad PORT is refused in its words (not ERR_UNKNOWN_FILE_EXTENSION)
    const start = spawnSync('npm', ['start'], { encoding: 'utf8', cwd: root, env: { ...env, PORT: 'abc' } });
    expect(start.status).toBe(1);
    expect(start.stderr).toContain('PORT must be a whole number from 0 to 65535 (got \\"abc\\")');
    expect(start.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');

    // npm test: a stand-in shell runs the launcher for real and, for the steps, only says which Node they get
    const shell = join(work, 'script-shell');
    writeFileSync(
      shell,
      `#!/bin/sh\ncase "$2" in\n  "node scripts/with-node24.mjs"*) exec /bin/sh "$@" ;;\n  *) echo "steps: $2 on $(node --version)" ;;\nesac\n`,
      { mode: 0o755 },
    );
    const test = spawnSync('npm', ['test'], {
      encoding: 'utf8',
      cwd: root,
      env: { ...env, npm_config_script_shell: shell },
    });
    expect(test.status, test.stderr).toBe(0);
    expect(test.stdout).toMatch(
      /steps: npm run lint && npm run typecheck && vitest run && npm run test:infra on v24\./,
    );
  });
});

describe('on Node 24', () => {
  it('a script run through it is the program: isMain is true there, and false for a module it imports', () => {
    const main = join(root, 'scripts', 'lib', 'main.ts');
    writeFileSync(
      join(work, 'helper.ts'),
      `import { isMain } from ${JSON.stringify(main)};\nexport const helperIsMain = isMain(import.meta);\n`,
    );
    writeFileSync(
      join(work, 'entry.ts'),
      `import { isMain } from ${JSON.stringify(main)};\nimport { helperIsMain } from './helper.ts';\nif (isMain(import.meta)) process.stdout.write(\`main ran, helper \${helperIsMain}\\n\`);\n`,
    );
    const viaLauncher = spawnSync(node24, [launcher, 'node', join(work, 'entry.ts')], { encoding: 'utf8', cwd: root });
    expect(viaLauncher.stdout, viaLauncher.stderr).toBe('main ran, helper false\n');
    const direct = spawnSync(node24, [join(work, 'entry.ts')], { encoding: 'utf8', cwd: root });
    expect(direct.stdout, direct.stderr).toBe('main ran, helper false\n');
  });

  it('runs a script in its own process (nothing in between), with its arguments', () => {
    const child = spawnSync(node24, [launcher, 'node', join(work, 'report.mjs'), 'x'], { encoding: 'utf8', cwd: root });
    const report = JSON.parse(child.stdout);
    expect(report.version).toBe(process.version);
    expect(report.args).toEqual(['x']);
    expect(child.stderr).toBe('');
    expect(report.pid).toBe(child.pid);
  });
});
