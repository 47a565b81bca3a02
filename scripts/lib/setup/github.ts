/**
 * GitHub's REST API over fetch. The token comes from GH_TOKEN or GITHUB_TOKEN, else from
 * `gh auth token` (gh is used for nothing else: the calls are plain REST, so they can be pointed
 * at a fake). The API's address: GITHUB_API_URL (as in GitHub Actions), else GH_HOST
 * (github.com -> https://api.github.com, an Enterprise Server host -> https://HOST/api/v3).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SetupError } from './errors.ts';

const run = promisify(execFile);

export function apiBase(env: NodeJS.ProcessEnv): string {
  if (env.GITHUB_API_URL) return env.GITHUB_API_URL.replace(/\/+$/, '');
  const host = env.GH_HOST || 'github.com';
  return host === 'github.com' ? 'https://api.github.com' : `https://${host}/api/v3`;
}

/** The web address of the same host, for links shown to the user. */
export function webBase(env: NodeJS.ProcessEnv): string {
  const host = env.GH_HOST || 'github.com';
  return `https://${host}`;
}

export type TokenSource = 'GH_TOKEN' | 'GITHUB_TOKEN' | 'gh auth token';

export interface Token {
  value: string;
  source: TokenSource;
}

/** Why there is no token, for the message that prints the commands instead. */
export type NoToken = { reason: string };

export async function findToken(env: NodeJS.ProcessEnv): Promise<Token | NoToken> {
  if (env.GH_TOKEN) return { value: env.GH_TOKEN, source: 'GH_TOKEN' };
  if (env.GITHUB_TOKEN) return { value: env.GITHUB_TOKEN, source: 'GITHUB_TOKEN' };
  try {
    const args = ['auth', 'token', ...(env.GH_HOST ? ['--hostname', env.GH_HOST] : [])];
    const { stdout } = await run('gh', args, { env, timeout: 15_000 });
    const value = stdout.trim();
    if (value) return { value, source: 'gh auth token' };
    return { reason: 'gh is not logged in (gh auth login)' };
  } catch (err) {
    const e = err as { code?: string };
    if (e.code === 'ENOENT') return { reason: 'gh is not installed and GH_TOKEN is not set' };
    return { reason: 'gh is not logged in (gh auth login)' };
  }
}

export const hasToken = (t: Token | NoToken): t is Token => 'value' in t;

/** A refusal from GitHub; a SetupError, so its message is printed as it is. */
export class GitHubError extends SetupError {
  readonly status: number;
  readonly path: string;
  constructor(status: number, method: string, path: string, message: string) {
    super(
      `GitHub ${method} ${path}: ${status} ${message}${status === 401 ? ' (the token is not valid: gh auth login, or a new GH_TOKEN)' : ''}`,
    );
    this.name = 'GitHubError';
    this.status = status;
    this.path = path;
  }
}

export interface Response<T> {
  status: number;
  data: T;
}

export class GitHub {
  readonly base: string;
  readonly #token: string | undefined;
  constructor(base: string, token: string | undefined) {
    this.base = base;
    this.#token = token;
  }

  get authenticated(): boolean {
    return this.#token !== undefined;
  }

  /** Any status; the caller decides what a 404 means. */
  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Response<T>> {
    let res: globalThis.Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          'user-agent': 'platform-setup',
          ...(this.#token && { authorization: `Bearer ${this.#token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string } };
      const why = e.name === 'TimeoutError' ? 'no answer in 30 s' : (e.cause?.code ?? String(err));
      throw new SetupError(
        `cannot reach GitHub at ${this.base} (${why}): check the network, GH_HOST or GITHUB_API_URL`,
      );
    }
    const text = await res.text();
    let data: unknown = text;
    try {
      data = text ? JSON.parse(text) : {};
    } catch {
      // not JSON: kept as text for the error message
    }
    return { status: res.status, data: data as T };
  }

  /** A 2xx answer, else a GitHubError with GitHub's message. */
  async ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.call<T>(method, path, body);
    if (res.status >= 200 && res.status < 300) return res.data;
    throw new GitHubError(res.status, method, path, messageOf(res.data));
  }

  /** The answer, or undefined on 404. */
  async find<T = Record<string, unknown>>(path: string): Promise<T | undefined> {
    const res = await this.call<T>('GET', path);
    if (res.status === 404) return undefined;
    if (res.status >= 200 && res.status < 300) return res.data;
    throw new GitHubError(res.status, 'GET', path, messageOf(res.data));
  }
}

export function messageOf(data: unknown): string {
  if (data && typeof data === 'object' && 'message' in data) {
    const d = data as { message: string; errors?: Array<{ message?: string } | string> };
    const details = (d.errors ?? []).map((e) => (typeof e === 'string' ? e : (e.message ?? ''))).filter(Boolean);
    return details.length ? `${d.message} (${details.join('; ')})` : d.message;
  }
  return String(data).slice(0, 200);
}

/** Path segments, escaped. */
export const seg = (s: string) => encodeURIComponent(s);
