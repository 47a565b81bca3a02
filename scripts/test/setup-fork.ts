/**
 * What the setup and doctor tests share: a fork of the repository as a user has it (the files
 * setup and doctor read, copied from this checkout, committed; `origin` is
 * https://github.com/OWNER/NAME.git, rewritten by url.insteadOf to a local bare repository
 * standing in for GitHub's copy), and the two commands run as a user runs them: a child process
 * in the fork, with a home directory of its own (no ~/.aws or gh login of this machine), AWS
 * pointed at moto through AWS_ENDPOINT_URL (the SDK and Terraform's provider both honour it)
 * and GitHub at the fake through GITHUB_API_URL.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const repoRoot = join(import.meta.dirname, '..', '..');

/** The files of the repository setup and doctor read (and the bootstrap's Terraform). */
const FORK_FILES = [
  'package.json',
  '.gitignore',
  'infra/github-settings.json',
  'infra/terraform/variables.tf',
  'infra/terraform/environments',
  'infra/terraform/bootstrap',
  'infra/terraform/modules/iam-policies',
];

export interface Fork {
  dir: string;
  /** The bare repository standing in for GitHub's copy. */
  gitDir: string;
  home: string;
  repository: string;
  git(...args: string[]): string;
  read(file: string): string;
  write(file: string, text: string): void;
  cleanup(): void;
}

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Fork Owner',
  GIT_AUTHOR_EMAIL: 'owner@example.com',
  GIT_COMMITTER_NAME: 'Fork Owner',
  GIT_COMMITTER_EMAIL: 'owner@example.com',
};

export function createFork(repository = 'acme/shop', o: { gitEmail?: string } = {}): Fork {
  const top = mkdtempSync(join(tmpdir(), 'setup-fork-'));
  const dir = join(top, 'fork');
  const gitDir = join(top, 'github.git');
  const home = join(top, 'home');
  mkdirSync(home);
  for (const f of FORK_FILES) {
    // not the bootstrap's tests, its .terraform directory or a state of this checkout
    cpSync(join(repoRoot, f), join(dir, f), {
      recursive: true,
      filter: (src) => !/\/(\.terraform|tests)(\/|$)|\.tfstate/.test(src),
    });
  }
  const env = { ...process.env, ...GIT_IDENTITY, HOME: home, GIT_CONFIG_NOSYSTEM: '1' };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
  execFileSync('git', ['init', '--quiet', '--bare', '-b', 'main', gitDir]);
  git('init', '--quiet', '-b', 'main');
  if (o.gitEmail) git('config', 'user.email', o.gitEmail);
  git('add', '-A');
  git('commit', '--quiet', '-m', 'the platform, as forked');
  const url = `https://github.com/${repository}.git`;
  git('remote', 'add', 'origin', url);
  git('config', `url.${gitDir}.insteadOf`, url);
  git('push', '--quiet', 'origin', 'main');
  git('branch', '--set-upstream-to=origin/main', 'main');
  return {
    dir,
    gitDir,
    home,
    repository,
    git,
    read: (file) => readFileSync(join(dir, file), 'utf8'),
    write: (file, text) => writeFileSync(join(dir, file), text),
    cleanup: () => rmSync(top, { recursive: true, force: true }),
  };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  /** Extra environment (AWS_ENDPOINT_URL, GITHUB_API_URL, GH_TOKEN, ...); undefined removes one. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, then stdin is closed; without it stdin stays open (a hang would show). */
  input?: string;
  timeoutMs?: number;
  started?: (child: ChildProcess) => void;
}

function childEnv(fork: Fork, extra: RunOptions['env']): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: fork.home,
    GIT_CONFIG_NOSYSTEM: '1',
    TF_PLUGIN_CACHE_DIR: process.env.TF_PLUGIN_CACHE_DIR ?? join(homedir(), '.cache', 'terraform-plugin-cache'),
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...GIT_IDENTITY,
  };
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function run(script: 'setup' | 'doctor', fork: Fork, args: string[], o: RunOptions = {}): Promise<Run> {
  const env = childEnv(fork, o.env);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', `${script}.ts`), ...args], {
      cwd: fork.dir,
      env,
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    if (o.input !== undefined) child.stdin.end(o.input);
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 240_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
    o.started?.(child);
  });
}

/**
 * Everything setup left on disk, as text: every file of the fork (Terraform's provider binaries
 * aside), the bootstrap's state included, the home directory, and every object of both git
 * repositories (loose or packed), to look for a secret anywhere.
 */
export function everythingOnDisk(fork: Fork): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) {
        if (name === 'providers' || name === '.git') continue;
        walk(full);
      } else if (st.size < 20 * 1024 * 1024)
        out.push({ file: relative(fork.dir, full), text: readFileSync(full).toString('latin1') });
    }
  };
  walk(fork.dir);
  walk(fork.home);
  for (const gitDir of [join(fork.dir, '.git'), fork.gitDir]) {
    const objects = execFileSync('git', ['--git-dir', gitDir, 'cat-file', '--batch-all-objects', '--batch'], {
      maxBuffer: 256 * 1024 * 1024,
    });
    out.push({ file: `${gitDir} (objects)`, text: objects.toString('latin1') });
  }
  return out;
}

const shellWord = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;

/**
 * setup on a terminal: run inside `script` (util-linux), which gives it a pseudo-terminal, so
 * stdin and stdout are TTYs as on a laptop. Each answer is typed once its question appears; the
 * transcript is what the user saw (the terminal echoes what they type, unless setup turned the
 * echo off).
 */
export function runInTerminal(
  fork: Fork,
  args: string[],
  o: { env?: RunOptions['env']; answers: Array<[question: string, answer: string]>; timeoutMs?: number },
): Promise<{ code: number | null; transcript: string; unanswered: string[] }> {
  const command = [process.execPath, join(repoRoot, 'scripts', 'setup.ts'), ...args].map(shellWord).join(' ');
  const child = spawn('script', ['--quiet', '--return', '--flush', '--command', command, '/dev/null'], {
    cwd: fork.dir,
    env: { ...childEnv(fork, o.env), TERM: 'dumb' },
    stdio: 'pipe',
  });
  let transcript = '';
  let searchFrom = 0;
  let next = 0;
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    const onData = (d: Buffer) => {
      transcript += d.toString('utf8');
      const pending = o.answers[next];
      if (!pending) return;
      const at = transcript.indexOf(pending[0], searchFrom);
      if (at < 0) return;
      searchFrom = at + pending[0].length;
      next++;
      // typed a moment after the question, as a person would (the prompt has set up the terminal by then)
      setTimeout(() => child.stdin.write(`${pending[1]}\r`), 50);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, transcript, unanswered: o.answers.slice(next).map(([q]) => q) });
    });
  });
}
