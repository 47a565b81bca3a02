/**
 * The git side of setup: where the repository is, which GitHub repository its remote names,
 * and the pull request's branch, committed without touching the index or the checkout (a
 * temporary index built from the remote's default branch plus setup's files).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SetupError } from './errors.ts';

const exec = promisify(execFile);

export async function git(args: string[], o: { cwd: string; env?: Record<string, string> }): Promise<string> {
  try {
    const { stdout } = await exec('git', args, {
      cwd: o.cwd,
      env: { ...process.env, ...o.env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (err) {
    const e = err as { code?: string | number; stderr?: string };
    if (e.code === 'ENOENT') throw new SetupError('git is not on PATH: install git');
    throw new SetupError(`git ${args.join(' ')}: ${(e.stderr ?? String(err)).trim().split('\n').slice(-3).join(' ')}`);
  }
}

export async function tryGit(args: string[], cwd: string): Promise<string | undefined> {
  try {
    return await git(args, { cwd });
  } catch {
    return undefined;
  }
}

/** The root of the repository `cwd` is in. */
export async function repositoryRoot(cwd: string): Promise<string> {
  const root = await tryGit(['rev-parse', '--show-toplevel'], cwd);
  if (!root) throw new SetupError('not inside a git repository: run setup from your clone of the platform', 2);
  return root;
}

/** owner/name from a GitHub remote URL (https, ssh or scp-like), on `host`. */
export function repositoryFromUrl(url: string, host = 'github.com'): string | undefined {
  const escaped = host.replace(/[.]/g, '\\.');
  const m = url.match(
    new RegExp(
      `^(?:https?://(?:[^@/]+@)?|ssh://(?:[^@/]+@)?|[^@/]+@)${escaped}(?::\\d+)?[:/]([^/]+)/([^/]+?)(?:\\.git)?/?$`,
    ),
  );
  return m ? `${m[1]}/${m[2]}` : undefined;
}

export interface Remote {
  name: string;
  url: string;
}

/** The remotes as configured (remote.NAME.url, before any url.*.insteadOf rewriting). */
export async function remotes(cwd: string): Promise<Remote[]> {
  const out = (await tryGit(['config', '--get-regexp', '^remote\\..*\\.url$'], cwd)) ?? '';
  return out
    .split('\n')
    .map((line) => line.match(/^remote\.(.+)\.url\s+(\S+)$/))
    .filter((m): m is RegExpMatchArray => !!m)
    .map((m) => ({ name: m[1] ?? '', url: m[2] ?? '' }));
}

/** The GitHub repository of `origin` (else of the first remote that names one). */
export async function detectRepository(cwd: string, host?: string): Promise<string | undefined> {
  const all = await remotes(cwd);
  const ordered = [...all.filter((r) => r.name === 'origin'), ...all.filter((r) => r.name !== 'origin')];
  for (const r of ordered) {
    const repo = repositoryFromUrl(r.url, host);
    if (repo) return repo;
  }
  return undefined;
}

/** The remote to push the pull request's branch to: the one naming the repository, else origin. */
export async function pushRemote(cwd: string, repository: string, host?: string): Promise<string | undefined> {
  const all = await remotes(cwd);
  const named = all.find((r) => repositoryFromUrl(r.url, host)?.toLowerCase() === repository.toLowerCase());
  return named?.name ?? all.find((r) => r.name === 'origin')?.name;
}

export interface ProposedBranch {
  /** The commit on the branch; undefined when the files already are so on the default branch. */
  commit?: string | undefined;
  /** Whether the branch was pushed now (false: it already had this content). */
  pushed: boolean;
  base: string;
}

/**
 * Commits `files` (paths relative to the root, as they are in the working tree) on top of the
 * remote's `defaultBranch`, as `branch`, and pushes it. The checkout, the index and the local
 * branches are left alone.
 */
export async function proposeBranch(o: {
  root: string;
  remote: string;
  defaultBranch: string;
  branch: string;
  files: string[];
  message: string;
}): Promise<ProposedBranch> {
  const { root, remote } = o;
  await git(['fetch', '--quiet', remote, `+refs/heads/${o.defaultBranch}:refs/remotes/${remote}/${o.defaultBranch}`], {
    cwd: root,
  });
  const base = await git(['rev-parse', `refs/remotes/${remote}/${o.defaultBranch}`], { cwd: root });
  const work = mkdtempSync(join(tmpdir(), 'platform-setup-index-'));
  try {
    const env = { GIT_INDEX_FILE: join(work, 'index') };
    await git(['read-tree', base], { cwd: root, env });
    for (const file of o.files) {
      const blob = await git(['hash-object', '-w', '--', file], { cwd: root });
      await git(['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { cwd: root, env });
    }
    const tree = await git(['write-tree'], { cwd: root, env });
    if (tree === (await git(['rev-parse', `${base}^{tree}`], { cwd: root }))) return { pushed: false, base };
    const existing = (await git(['ls-remote', remote, `refs/heads/${o.branch}`], { cwd: root })).split(/\s/)[0];
    if (existing) {
      await tryGit(['fetch', '--quiet', remote, `refs/heads/${o.branch}`], root);
      const existingTree = await tryGit(['rev-parse', `${existing}^{tree}`], root);
      const existingParent = await tryGit(['rev-parse', `${existing}^`], root);
      if (existingTree === tree && existingParent === base) return { commit: existing, pushed: false, base };
    }
    const identity = {
      GIT_AUTHOR_NAME: (await tryGit(['config', 'user.name'], root)) || 'platform setup',
      GIT_AUTHOR_EMAIL: (await tryGit(['config', 'user.email'], root)) || 'setup@localhost',
    };
    const commit = await git(['commit-tree', tree, '-p', base, '-m', o.message], {
      cwd: root,
      env: {
        ...identity,
        GIT_COMMITTER_NAME: identity.GIT_AUTHOR_NAME,
        GIT_COMMITTER_EMAIL: identity.GIT_AUTHOR_EMAIL,
      },
    });
    // the branch is setup's own: a later run replaces it with what it proposes then
    await git(['push', '--quiet', '--force', remote, `${commit}:refs/heads/${o.branch}`], { cwd: root });
    return { commit, pushed: true, base };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
