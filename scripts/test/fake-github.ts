/**
 * A fake of the parts of GitHub's REST API setup and doctor use, over HTTP on a free port, with
 * the behaviour that matters: a token is required (401 otherwise) except to read a public
 * repository; environments, protection rules and branch protection follow the owner's plan
 * (a private repository on GitHub Free has none); secrets must arrive as libsodium sealed boxes
 * made with the key it handed out, and are opened (the tests read what was stored); variables
 * are created with POST and changed with PATCH, as GitHub wants; a pull request needs its head
 * branch in the git repository standing in for GitHub's copy. Every request is recorded.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import sodium from 'libsodium-wrappers';

export interface FakeRepoOptions {
  owner: string;
  name: string;
  id: number;
  ownerId: number;
  ownerType?: 'User' | 'Organization';
  private?: boolean;
  /** The owner's plan: free, pro, team, enterprise. */
  plan?: string;
  defaultBranch?: string;
  /** A bare git repository: GitHub's copy (a pull request's head must be a branch of it). */
  gitDir?: string;
  /** Workflows of the repository and their states (a new fork: disabled_fork). */
  workflows?: Array<{ path: string; state: string }>;
}

interface Env {
  id: number;
  name: string;
  reviewers: Array<{ type: 'User' | 'Team'; id: number }>;
  deployment_branch_policy: { protected_branches: boolean; custom_branch_policies: boolean } | null;
  branchPolicies: Array<{ id: number; name: string; type: string }>;
  variables: Map<string, string>;
  /** Secret values as opened by the fake (for the tests' eyes only). */
  secrets: Map<string, { value: string; updated_at: string }>;
}

export interface Recorded {
  method: string;
  path: string;
  authorization: string | undefined;
  body: string;
}

export interface FakeGitHub {
  url: string;
  token: string;
  login: string;
  userId: number;
  requests: Recorded[];
  repo: {
    options: Required<Omit<FakeRepoOptions, 'gitDir'>> & { gitDir?: string | undefined };
    variables: Map<string, string>;
    environments: Map<string, Env>;
    protection: { checks: string[]; requiresPullRequest: boolean; body: unknown } | null;
    workflowPermissions: 'read' | 'write';
    workflows: Array<{ id: number; name: string; path: string; state: string }>;
    pulls: Array<{ number: number; head: string; base: string; title: string; body: string; state: 'open' | 'closed' }>;
  };
  /** A secret as GitHub would hold it, opened with the fake's private key. */
  secret(env: string, name: string): string | undefined;
  /** Requests that changed something (not GET). */
  writes(): Recorded[];
  /** An environment as a setup would leave it (for tests that start from a set-up repository). */
  seedEnvironment(
    name: string,
    o: {
      reviewers?: number[];
      branches?: string[] | null;
      variables?: Record<string, string>;
      secrets?: Record<string, string>;
    },
  ): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function startFakeGitHub(
  o: FakeRepoOptions & { login?: string; userId?: number; token?: string },
): Promise<FakeGitHub> {
  await sodium.ready;
  const keys = sodium.crypto_box_keypair();
  const keyId = '568250167242549743';
  const token = o.token ?? `gho_fake${Math.random().toString(36).slice(2)}`;
  const login = o.login ?? o.owner;
  const userId = o.userId ?? o.ownerId;
  const options = {
    ownerType: 'User' as const,
    private: false,
    plan: 'free',
    defaultBranch: 'main',
    workflows: [],
    ...o,
  };
  const repo: FakeGitHub['repo'] = {
    options,
    variables: new Map(),
    environments: new Map(),
    protection: null,
    workflowPermissions: 'write',
    workflows: options.workflows.map((w, i) => ({ id: 1000 + i, name: w.path.split('/').pop() ?? w.path, ...w })),
    pulls: [],
  };
  const requests: Recorded[] = [];
  let nextId = 1;
  const full = `${options.owner}/${options.name}`;
  const paid = () => options.plan !== 'free';
  const enterprise = () => options.plan === 'enterprise';

  const envJson = (e: Env) => ({
    id: e.id,
    name: e.name,
    protection_rules: [
      ...(e.reviewers.length
        ? [
            {
              id: e.id * 10,
              type: 'required_reviewers',
              prevent_self_review: false,
              reviewers: e.reviewers.map((r) => ({
                type: r.type,
                reviewer: { id: r.id, login: r.id === userId ? login : `user${r.id}` },
              })),
            },
          ]
        : []),
      ...(e.deployment_branch_policy ? [{ id: e.id * 10 + 1, type: 'branch_policy' }] : []),
    ],
    deployment_branch_policy: e.deployment_branch_policy,
  });

  const page = <T>(items: T[], url: URL) => {
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100);
    const p = Number(url.searchParams.get('page') ?? 1);
    return items.slice((p - 1) * perPage, p * perPage);
  };

  function environment(name: string): Env {
    const e = repo.environments.get(name);
    if (!e) throw new HttpError(404, 'Not Found');
    return e;
  }

  function handle(method: string, url: URL, body: Record<string, unknown>, authed: boolean): unknown {
    const path = url.pathname;
    const needAuth = () => {
      if (!authed) throw new HttpError(401, 'Requires authentication');
    };
    if (method === 'GET' && path === '/user') {
      needAuth();
      return {
        login,
        id: userId,
        type: 'User',
        ...(options.ownerType === 'User' && login === options.owner && { plan: { name: options.plan } }),
      };
    }
    const user = path.match(/^\/users\/([^/]+)$/);
    if (method === 'GET' && user) return { login: user[1], id: user[1] === login ? userId : 4242, type: 'User' };
    const org = path.match(/^\/orgs\/([^/]+)$/);
    if (method === 'GET' && org) {
      if (options.ownerType !== 'Organization' || org[1] !== options.owner) throw new HttpError(404, 'Not Found');
      return { login: options.owner, id: options.ownerId, plan: { name: options.plan } };
    }
    const prefix = `/repos/${full}`;
    if (!path.startsWith(prefix)) throw new HttpError(404, 'Not Found');
    if (options.private && !authed) throw new HttpError(404, 'Not Found');
    const rest = path.slice(prefix.length);
    if (method === 'GET' && rest === '') {
      return {
        id: options.id,
        name: options.name,
        full_name: full,
        owner: { login: options.owner, id: options.ownerId, type: options.ownerType },
        private: options.private,
        visibility: options.private ? 'private' : 'public',
        default_branch: options.defaultBranch,
        fork: true,
        html_url: `https://github.com/${full}`,
        ...(authed && { permissions: { admin: login === options.owner, push: true, pull: true } }),
      };
    }
    needAuth();
    // --- repository variables
    if (rest === '/actions/variables') {
      if (method === 'GET') {
        const all = [...repo.variables].map(([name, value]) => ({ name, value }));
        return { total_count: all.length, variables: page(all, url) };
      }
      if (method === 'POST') {
        if (repo.variables.has(String(body.name))) throw new HttpError(409, 'Already exists');
        repo.variables.set(String(body.name), String(body.value));
        return {};
      }
    }
    const variable = rest.match(/^\/actions\/variables\/([^/]+)$/);
    if (variable?.[1]) {
      if (!repo.variables.has(variable[1])) throw new HttpError(404, 'Not Found');
      if (method === 'GET') return { name: variable[1], value: repo.variables.get(variable[1]) };
      if (method === 'PATCH') {
        repo.variables.set(variable[1], String(body.value));
        return {};
      }
      if (method === 'DELETE') {
        repo.variables.delete(variable[1]);
        return {};
      }
    }
    // --- environments
    if (method === 'GET' && rest === '/environments') {
      const all = [...repo.environments.values()].map(envJson);
      return { total_count: all.length, environments: page(all, url) };
    }
    const envPath = rest.match(/^\/environments\/([^/]+)(\/.*)?$/);
    if (envPath?.[1]) {
      const name = decodeURIComponent(envPath[1]);
      const sub = envPath[2] ?? '';
      if (sub === '') {
        if (method === 'GET') return envJson(environment(name));
        if (method === 'PUT') {
          if (options.private && !paid())
            throw new HttpError(422, 'Environments are not available for private repositories on GitHub Free');
          const reviewers = (body.reviewers ?? []) as Env['reviewers'];
          if (reviewers.length && options.private && !enterprise()) {
            throw new HttpError(
              422,
              'Failed to create the environment protection rule. Please ensure the billing plan include the required reviewers protection rule.',
            );
          }
          const e = repo.environments.get(name) ?? {
            id: nextId++,
            name,
            reviewers: [],
            deployment_branch_policy: null,
            branchPolicies: [],
            variables: new Map(),
            secrets: new Map(),
          };
          e.reviewers = reviewers;
          e.deployment_branch_policy = (body.deployment_branch_policy ?? null) as Env['deployment_branch_policy'];
          if (!e.deployment_branch_policy?.custom_branch_policies) e.branchPolicies = [];
          repo.environments.set(name, e);
          return envJson(e);
        }
      }
      const e = environment(name);
      if (sub === '/deployment-branch-policies') {
        if (!e.deployment_branch_policy?.custom_branch_policies) throw new HttpError(404, 'Not Found');
        if (method === 'GET')
          return { total_count: e.branchPolicies.length, branch_policies: page(e.branchPolicies, url) };
        if (method === 'POST') {
          if (e.branchPolicies.some((b) => b.name === body.name)) throw new HttpError(303, 'already exists');
          const policy = { id: nextId++, name: String(body.name), type: String(body.type ?? 'branch') };
          e.branchPolicies.push(policy);
          return policy;
        }
      }
      if (sub === '/variables') {
        if (method === 'GET') {
          const all = [...e.variables].map(([n, value]) => ({ name: n, value }));
          return { total_count: all.length, variables: page(all, url) };
        }
        if (method === 'POST') {
          if (e.variables.has(String(body.name))) throw new HttpError(409, 'Already exists');
          e.variables.set(String(body.name), String(body.value));
          return {};
        }
      }
      const envVariable = sub.match(/^\/variables\/([^/]+)$/);
      if (envVariable?.[1]) {
        if (!e.variables.has(envVariable[1])) throw new HttpError(404, 'Not Found');
        if (method === 'GET') return { name: envVariable[1], value: e.variables.get(envVariable[1]) };
        if (method === 'PATCH') {
          e.variables.set(envVariable[1], String(body.value));
          return {};
        }
      }
      if (method === 'GET' && sub === '/secrets') {
        const all = [...e.secrets].map(([n, s]) => ({ name: n, created_at: s.updated_at, updated_at: s.updated_at }));
        return { total_count: all.length, secrets: page(all, url) };
      }
      if (method === 'GET' && sub === '/secrets/public-key') {
        return { key_id: keyId, key: sodium.to_base64(keys.publicKey, sodium.base64_variants.ORIGINAL) };
      }
      const secret = sub.match(/^\/secrets\/([^/]+)$/);
      if (secret?.[1]) {
        if (method === 'GET') {
          const s = e.secrets.get(secret[1]);
          if (!s) throw new HttpError(404, 'Not Found');
          return { name: secret[1], created_at: s.updated_at, updated_at: s.updated_at };
        }
        if (method === 'PUT') {
          if (body.key_id !== keyId) throw new HttpError(422, 'key_id does not match the public key');
          let value: string;
          try {
            const sealed = sodium.from_base64(String(body.encrypted_value), sodium.base64_variants.ORIGINAL);
            value = sodium.to_string(sodium.crypto_box_seal_open(sealed, keys.publicKey, keys.privateKey));
          } catch {
            throw new HttpError(422, 'encrypted_value is not a sealed box for this key');
          }
          e.secrets.set(secret[1], { value, updated_at: new Date().toISOString() });
          return {};
        }
      }
    }
    // --- branch protection
    const protection = rest.match(/^\/branches\/([^/]+)\/protection(\/.*)?$/);
    if (protection) {
      if (options.private && !paid())
        throw new HttpError(403, 'Upgrade to GitHub Pro or make this repository public to enable this feature.');
      const sub = protection[2] ?? '';
      if (sub === '' && method === 'GET') {
        if (!repo.protection) throw new HttpError(404, 'Branch not protected');
        return {
          required_status_checks: {
            contexts: repo.protection.checks,
            checks: repo.protection.checks.map((c) => ({ context: c, app_id: null })),
          },
          ...(repo.protection.requiresPullRequest && {
            required_pull_request_reviews: { required_approving_review_count: 0 },
          }),
        };
      }
      if (sub === '' && method === 'PUT') {
        const checks = body.required_status_checks as {
          contexts?: string[];
          checks?: Array<{ context: string }>;
        } | null;
        repo.protection = {
          checks: [...(checks?.contexts ?? []), ...(checks?.checks ?? []).map((c) => c.context)],
          requiresPullRequest: !!body.required_pull_request_reviews,
          body,
        };
        return {};
      }
      if (sub === '/required_status_checks/contexts' && method === 'POST') {
        if (!repo.protection) throw new HttpError(404, 'Branch not protected');
        repo.protection.checks.push(...((body.contexts ?? []) as string[]));
        return repo.protection.checks;
      }
    }
    // --- actions
    if (rest === '/actions/permissions/workflow') {
      if (method === 'GET')
        return { default_workflow_permissions: repo.workflowPermissions, can_approve_pull_request_reviews: false };
      if (method === 'PUT') {
        repo.workflowPermissions = body.default_workflow_permissions === 'read' ? 'read' : 'write';
        return {};
      }
    }
    if (method === 'GET' && rest === '/actions/workflows')
      return { total_count: repo.workflows.length, workflows: page(repo.workflows, url) };
    const enable = rest.match(/^\/actions\/workflows\/(\d+)\/enable$/);
    if (method === 'PUT' && enable) {
      const w = repo.workflows.find((x) => x.id === Number(enable[1]));
      if (!w) throw new HttpError(404, 'Not Found');
      w.state = 'active';
      return {};
    }
    // --- pull requests
    if (rest === '/pulls') {
      if (method === 'GET') {
        const head = url.searchParams.get('head');
        const state = url.searchParams.get('state') ?? 'open';
        return repo.pulls
          .filter((p) => (state === 'all' || p.state === state) && (!head || `${options.owner}:${p.head}` === head))
          .map((p) => ({
            number: p.number,
            html_url: `https://github.com/${full}/pull/${p.number}`,
            head: { ref: p.head },
            base: { ref: p.base },
          }));
      }
      if (method === 'POST') {
        const head = String(body.head);
        if (options.gitDir) {
          try {
            execFileSync('git', ['--git-dir', options.gitDir, 'rev-parse', '--verify', `refs/heads/${head}`], {
              stdio: 'ignore',
            });
          } catch {
            throw new HttpError(422, `Validation Failed: head ${head} is not a branch`);
          }
        }
        if (repo.pulls.some((p) => p.head === head && p.state === 'open'))
          throw new HttpError(422, `A pull request already exists for ${options.owner}:${head}.`);
        const pr = {
          number: repo.pulls.length + 1,
          head,
          base: String(body.base),
          title: String(body.title),
          body: String(body.body ?? ''),
          state: 'open' as const,
        };
        repo.pulls.push(pr);
        return { number: pr.number, html_url: `https://github.com/${full}/pull/${pr.number}` };
      }
    }
    throw new HttpError(404, `Not Found (fake: ${method} ${path})`);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake');
      requests.push({
        method: req.method ?? 'GET',
        path: `${url.pathname}${url.search}`,
        authorization: req.headers.authorization,
        body: raw,
      });
      const auth = req.headers.authorization;
      const authed = auth === `Bearer ${token}` || auth === `token ${token}`;
      const send = (status: number, data: unknown) => {
        const text = JSON.stringify(data);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      };
      try {
        if (auth && !authed) throw new HttpError(401, 'Bad credentials');
        const out = handle(req.method ?? 'GET', url, raw ? JSON.parse(raw) : {}, authed);
        send(req.method === 'POST' ? 201 : 200, out);
      } catch (err) {
        if (err instanceof HttpError)
          send(err.status, { message: err.message, documentation_url: 'https://docs.github.com/rest' });
        else send(500, { message: String(err) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    login,
    userId,
    requests,
    repo,
    secret: (env, name) => repo.environments.get(env)?.secrets.get(name)?.value,
    writes: () => requests.filter((r) => r.method !== 'GET'),
    seedEnvironment: (name, e) => {
      const at = new Date().toISOString();
      repo.environments.set(name, {
        id: nextId++,
        name,
        reviewers: (e.reviewers ?? []).map((id) => ({ type: 'User', id })),
        deployment_branch_policy:
          e.branches === null ? null : { protected_branches: false, custom_branch_policies: true },
        branchPolicies: (e.branches ?? []).map((b) => ({ id: nextId++, name: b, type: 'branch' })),
        variables: new Map(Object.entries(e.variables ?? {})),
        secrets: new Map(Object.entries(e.secrets ?? {}).map(([k, value]) => [k, { value, updated_at: at }])),
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
