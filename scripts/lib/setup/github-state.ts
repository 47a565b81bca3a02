/**
 * What a repository's GitHub settings are now, read in parallel: the repository itself and its
 * owner's plan, its variables, its environments (protection rules, deployment branches,
 * variables, the names of their secrets), the protection of its default branch, the default
 * permissions of workflow tokens and the workflows' states. Setup plans its changes from it;
 * doctor checks it.
 */
import { type GitHub, GitHubError, messageOf, seg } from './github.ts';

export interface RepoInfo {
  fullName: string;
  owner: string;
  name: string;
  id: number;
  ownerId: number;
  ownerType: 'User' | 'Organization';
  private: boolean;
  visibility: string;
  defaultBranch: string;
  /** Whether the token may change settings (undefined: GitHub did not say, e.g. no token). */
  admin: boolean | undefined;
  fork: boolean;
  htmlUrl: string;
}

export async function readRepo(gh: GitHub, fullName: string): Promise<RepoInfo> {
  const res = await gh.call<Record<string, unknown>>('GET', `/repos/${fullName}`);
  if (res.status === 404) {
    throw new GitHubError(
      404,
      'GET',
      `/repos/${fullName}`,
      gh.authenticated
        ? `no repository ${fullName}, or this token cannot see it (check --repo and the token's access)`
        : `no public repository ${fullName} (a private one needs a token: gh auth login, or GH_TOKEN)`,
    );
  }
  if (res.status !== 200) throw new GitHubError(res.status, 'GET', `/repos/${fullName}`, messageOf(res.data));
  const r = res.data as {
    id: number;
    name: string;
    full_name: string;
    owner: { login: string; id: number; type: 'User' | 'Organization' };
    private: boolean;
    visibility?: string;
    default_branch: string;
    permissions?: { admin?: boolean };
    fork: boolean;
    html_url: string;
  };
  return {
    fullName: r.full_name,
    owner: r.owner.login,
    name: r.name,
    id: r.id,
    ownerId: r.owner.id,
    ownerType: r.owner.type,
    private: r.private,
    visibility: r.visibility ?? (r.private ? 'private' : 'public'),
    defaultBranch: r.default_branch,
    admin: r.permissions?.admin,
    fork: r.fork,
    htmlUrl: r.html_url,
  };
}

export interface Viewer {
  login: string;
  id: number;
  plan?: string | undefined;
}

export async function readViewer(gh: GitHub): Promise<Viewer | undefined> {
  if (!gh.authenticated) return undefined;
  const u = await gh.ok<{ login: string; id: number; plan?: { name?: string } }>('GET', '/user');
  return { login: u.login, id: u.id, plan: u.plan?.name };
}

/**
 * The owner's GitHub plan, as far as the token can see it: a user's own plan (GET /user), an
 * organisation's for its owners (GET /orgs/ORG). undefined when it cannot tell.
 */
export async function readPlan(gh: GitHub, repo: RepoInfo, viewer: Viewer | undefined): Promise<string | undefined> {
  if (repo.ownerType === 'User') return viewer?.login === repo.owner ? viewer.plan : undefined;
  const org = await gh.find<{ plan?: { name?: string } }>(`/orgs/${seg(repo.owner)}`);
  return org?.plan?.name;
}

export type Tier = 'free' | 'pro' | 'team' | 'enterprise' | 'unknown';

export function tierOf(plan: string | undefined): Tier {
  const p = (plan ?? '').toLowerCase();
  if (p === 'free' || p === 'pro' || p === 'team') return p;
  if (p.includes('enterprise') || p === 'business') return 'enterprise';
  return 'unknown';
}

export interface PlanVerdict {
  /** GitHub environments (and their secrets, deployment branches). */
  environments: boolean | undefined;
  /** Required reviewers on an environment. */
  reviewers: boolean | undefined;
  /** Protection rules of a branch. */
  branchProtection: boolean | undefined;
  /** What to do, when something is missing. */
  advice?: string;
}

/**
 * What the repository's plan allows (docs.github.com, "Managing environments for deployment" and
 * "About protected branches"): a public repository everything, on every plan; a private one on
 * GitHub Free no environment and no branch protection; on Pro or Team environments and branch
 * protection but no required reviewers (GitHub Enterprise only).
 */
export function planVerdict(repo: RepoInfo, plan: string | undefined): PlanVerdict {
  if (!repo.private) return { environments: true, reviewers: true, branchProtection: true };
  const tier = tierOf(plan);
  const upgrade = repo.ownerType === 'User' ? 'GitHub Pro' : 'GitHub Team';
  switch (tier) {
    case 'free':
      return {
        environments: false,
        reviewers: false,
        branchProtection: false,
        advice: `${repo.fullName} is private on GitHub Free: it cannot have environments, which the deploy roles trust, nor branch protection. Make it public (Settings > General > Danger Zone > Change visibility; the platform keeps no secret in the repository: docs/SECURITY.md), or upgrade to ${upgrade} (environments, no approvals) or GitHub Enterprise (approvals too)`,
      };
    case 'pro':
    case 'team':
      return {
        environments: true,
        reviewers: false,
        branchProtection: true,
        advice: `${repo.fullName} is private on ${tier === 'pro' ? 'GitHub Pro' : 'GitHub Team'}: environments work, required reviewers do not (GitHub Enterprise only), so production deploys without an approval. Make the repository public or move it to GitHub Enterprise to approve each production deploy`,
      };
    case 'enterprise':
      return { environments: true, reviewers: true, branchProtection: true };
    default:
      return {
        environments: undefined,
        reviewers: undefined,
        branchProtection: undefined,
        advice: `${repo.fullName} is private and this token cannot see the owner's plan: on GitHub Free a private repository has no environments (make it public or upgrade), on Pro/Team no required reviewers`,
      };
  }
}

export interface Reviewer {
  type: 'User' | 'Team';
  id: number;
  login: string;
}

export interface EnvState {
  exists: boolean;
  reviewers: Reviewer[];
  /** deployment_branch_policy as GitHub has it (null: any branch may deploy). */
  branchPolicy: { protected_branches: boolean; custom_branch_policies: boolean } | null;
  /** Names of the custom deployment branch (and tag) policies. */
  branches: string[];
  variables: Record<string, string>;
  secrets: string[];
}

export interface BranchProtection {
  checks: string[];
  requiresPullRequest: boolean;
}

export interface Workflow {
  id: number;
  name: string;
  path: string;
  state: string;
}

export interface RepoState {
  variables: Record<string, string>;
  /** Every environment the repository has. */
  environmentNames: string[];
  environments: Record<string, EnvState>;
  /** null: the branch is not protected; 'unavailable': the plan does not allow it. */
  protection: BranchProtection | null | 'unavailable';
  workflowPermissions: 'read' | 'write' | undefined;
  workflows: Workflow[];
}

/** Every item of a paged list answer ({total_count, <key>: [...]}). */
async function list<T>(gh: GitHub, path: string, key: string): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; ; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await gh.find<Record<string, unknown>>(`${path}${sep}per_page=100&page=${page}`);
    const batch = (res?.[key] ?? []) as T[];
    items.push(...batch);
    if (batch.length < 100) return items;
  }
}

async function readEnvironment(gh: GitHub, repo: string, env: string): Promise<EnvState> {
  const base = `/repos/${repo}/environments/${seg(env)}`;
  const e = await gh.find<{
    protection_rules?: Array<{
      type: string;
      reviewers?: Array<{ type: 'User' | 'Team'; reviewer: { id: number; login?: string; slug?: string } }>;
    }>;
    deployment_branch_policy?: { protected_branches: boolean; custom_branch_policies: boolean } | null;
  }>(base);
  if (!e) return { exists: false, reviewers: [], branchPolicy: null, branches: [], variables: {}, secrets: [] };
  const branchPolicy = e.deployment_branch_policy ?? null;
  const [branches, variables, secrets] = await Promise.all([
    branchPolicy?.custom_branch_policies
      ? list<{ name: string }>(gh, `${base}/deployment-branch-policies`, 'branch_policies')
      : Promise.resolve([]),
    list<{ name: string; value: string }>(gh, `${base}/variables`, 'variables'),
    list<{ name: string }>(gh, `${base}/secrets`, 'secrets'),
  ]);
  const reviewers = (e.protection_rules ?? [])
    .filter((r) => r.type === 'required_reviewers')
    .flatMap((r) => r.reviewers ?? [])
    .map((r) => ({
      type: r.type,
      id: r.reviewer.id,
      login: r.reviewer.login ?? r.reviewer.slug ?? String(r.reviewer.id),
    }));
  return {
    exists: true,
    reviewers,
    branchPolicy,
    branches: branches.map((b) => b.name),
    variables: Object.fromEntries(variables.map((v) => [v.name, v.value])),
    secrets: secrets.map((s) => s.name),
  };
}

async function readProtection(gh: GitHub, repo: RepoInfo): Promise<RepoState['protection']> {
  const path = `/repos/${repo.fullName}/branches/${seg(repo.defaultBranch)}/protection`;
  const res = await gh.call<{
    required_status_checks?: { contexts?: string[]; checks?: Array<{ context: string }> };
    required_pull_request_reviews?: object;
    message?: string;
  }>('GET', path);
  if (res.status === 404) return null;
  if (res.status === 403 && /upgrade|make this repository public/i.test(messageOf(res.data))) return 'unavailable';
  if (res.status !== 200) throw new GitHubError(res.status, 'GET', path, messageOf(res.data));
  const checks = res.data.required_status_checks;
  return {
    checks: [...new Set([...(checks?.contexts ?? []), ...(checks?.checks ?? []).map((c) => c.context)])],
    requiresPullRequest: !!res.data.required_pull_request_reviews,
  };
}

export async function readState(gh: GitHub, repo: RepoInfo, envs: string[]): Promise<RepoState> {
  const r = repo.fullName;
  const [variables, environmentNames, environments, protection, permissions, workflows] = await Promise.all([
    list<{ name: string; value: string }>(gh, `/repos/${r}/actions/variables`, 'variables'),
    list<{ name: string }>(gh, `/repos/${r}/environments`, 'environments'),
    Promise.all(envs.map(async (env) => [env, await readEnvironment(gh, r, env)] as const)),
    readProtection(gh, repo),
    gh.find<{ default_workflow_permissions?: 'read' | 'write' }>(`/repos/${r}/actions/permissions/workflow`),
    list<Workflow>(gh, `/repos/${r}/actions/workflows`, 'workflows'),
  ]);
  return {
    variables: Object.fromEntries(variables.map((v) => [v.name, v.value])),
    environmentNames: environmentNames.map((e) => e.name),
    environments: Object.fromEntries(environments),
    protection,
    workflowPermissions: permissions?.default_workflow_permissions,
    workflows,
  };
}
