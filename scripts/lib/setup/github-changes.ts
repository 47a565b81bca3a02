/**
 * The GitHub side of setup as a list of changes: what the repository should have (variables,
 * environments with their deployment branches, reviewers, variables and secrets, branch
 * protection, workflow token permissions, workflows a fork disabled) compared with what it has.
 * Each change can be applied through the REST API or printed as the `gh` command that makes it,
 * for whoever runs setup without a token or without admin rights. Nothing is changed that is
 * already right, so a second run has no change to make.
 */
import type { GitHub } from './github.ts';
import { seg } from './github.ts';
import type { EnvState, PlanVerdict, RepoInfo, RepoState, Reviewer } from './github-state.ts';
import { sealSecret } from './seal.ts';

/** The status check branch protection requires: the CI job that needs every other (ci.yml). */
export const REQUIRED_CHECK = 'ci-ok';
/** The environment whose jobs wait for an approval (the promotion of the staging images). */
export const APPROVED_ENVIRONMENT = 'production';
/** The environment pull-request previews run in (bootstrap's preview_environment, preview.yml). */
export const PREVIEW_ENVIRONMENT = 'staging';

export interface DesiredSecret {
  name: string;
  /** How the value comes about, for the line setup prints (never the value). */
  origin: 'generated' | 'given';
  /** Read only when the secret is set. */
  value: () => Promise<string>;
}

export interface DesiredEnvironment {
  name: string;
  variables: Record<string, string>;
  /** Secrets to set when missing. */
  secrets: DesiredSecret[];
  /** Required reviewers to add (by id); empty: none asked for. */
  reviewers: Reviewer[];
  /** Branches allowed to deploy to it; null: every branch (staging, while previews are on). */
  branches: string[] | null;
}

export interface Desired {
  repo: RepoInfo;
  variables: Record<string, string>;
  environments: DesiredEnvironment[];
  /** Protect the default branch: pull requests and the CI check. */
  protectBranch: boolean;
  /** The names of the per-environment variables (none of them belongs at the repository level). */
  environmentVariables: string[];
}

export interface Change {
  /** One line: what it changes (never a secret value). */
  what: string;
  apply(gh: GitHub): Promise<void>;
  /** The same by hand, as shell lines. */
  commands: string[];
}

/** A value as a single-quoted shell word. */
export const sh = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

const repoFlag = (repo: RepoInfo) => `--repo ${repo.fullName}`;

/** `gh api` with a JSON body on stdin. */
const ghApiJson = (method: string, path: string, body: unknown, substitute = false) => [
  `gh api --method ${method} ${path} --input - <<${substitute ? 'JSON' : "'JSON'"}`,
  JSON.stringify(body),
  'JSON',
];

function variableChange(
  repo: RepoInfo,
  name: string,
  value: string,
  current: string | undefined,
  env?: string,
): Change | undefined {
  if (current === value) return undefined;
  const base = env
    ? `/repos/${repo.fullName}/environments/${seg(env)}/variables`
    : `/repos/${repo.fullName}/actions/variables`;
  const scope = env ? `variable ${name} of environment ${env}` : `repository variable ${name}`;
  return {
    what: `${scope} = ${value}${current === undefined ? '' : ` (was ${current})`}`,
    apply: async (gh) => {
      if (current === undefined) await gh.ok('POST', base, { name, value });
      else await gh.ok('PATCH', `${base}/${seg(name)}`, { name, value });
    },
    commands: [`gh variable set ${name}${env ? ` --env ${env}` : ''} ${repoFlag(repo)} --body ${sh(value)}`],
  };
}

function environmentChanges(
  d: Desired,
  want: DesiredEnvironment,
  has: EnvState | undefined,
  verdict: PlanVerdict,
): Change[] {
  const { repo } = d;
  const path = `/repos/${repo.fullName}/environments/${seg(want.name)}`;
  const changes: Change[] = [];
  const restricted = has?.branchPolicy?.custom_branch_policies === true;
  const open = has?.exists === true && !has.branchPolicy;
  const policyRight = want.branches === null ? open : restricted;
  const knownReviewers = new Set((has?.reviewers ?? []).map((r) => `${r.type}:${r.id}`));
  const addReviewers =
    verdict.reviewers === false ? [] : want.reviewers.filter((r) => !knownReviewers.has(`${r.type}:${r.id}`));
  if (!has?.exists || !policyRight || addReviewers.length > 0) {
    // PUT sets every protection rule at once: keep the reviewers it has
    const reviewers = [...(has?.reviewers ?? []), ...addReviewers];
    const body = {
      ...(reviewers.length > 0 && { reviewers: reviewers.map((r) => ({ type: r.type, id: r.id })) }),
      deployment_branch_policy:
        want.branches === null ? null : { protected_branches: false, custom_branch_policies: true },
    };
    const parts = [
      !has?.exists ? 'created' : undefined,
      policyRight
        ? undefined
        : want.branches === null
          ? 'every branch may deploy (pull-request previews)'
          : `deploys from ${want.branches.join(', ')} only`,
      addReviewers.length > 0 ? `required reviewers ${reviewers.map((r) => r.login).join(', ')}` : undefined,
    ].filter(Boolean);
    const byHand = {
      ...body,
      ...(reviewers.length > 0 && {
        reviewers: reviewers.map((r) => ({ type: r.type, id: `$(gh api users/${r.login} --jq .id)` })),
      }),
    };
    changes.push({
      what: `environment ${want.name}: ${parts.join(', ')}`,
      apply: async (gh) => {
        await gh.ok('PUT', path, body);
      },
      commands: ghApiJson('PUT', path.slice(1), byHand, reviewers.length > 0).map((l) =>
        l.replace(/"\$\((gh api users\/[^)]+)\)"/g, '$($1)'),
      ),
    });
  }
  const missingBranches = (want.branches ?? []).filter((b) => !(restricted && has?.branches.includes(b)));
  for (const branch of missingBranches) {
    changes.push({
      what: `environment ${want.name}: branch ${branch} may deploy`,
      apply: async (gh) => {
        await gh.ok('POST', `${path}/deployment-branch-policies`, { name: branch, type: 'branch' });
      },
      commands: [`gh api --method POST ${path.slice(1)}/deployment-branch-policies -f name=${branch} -f type=branch`],
    });
  }
  for (const [name, value] of Object.entries(want.variables)) {
    const change = variableChange(repo, name, value, has?.variables[name], want.name);
    if (change) changes.push(change);
  }
  for (const secret of want.secrets) {
    if (has?.secrets.includes(secret.name)) continue;
    changes.push({
      what: `secret ${secret.name} of environment ${want.name} (${secret.origin}, never shown)`,
      apply: async (gh) => {
        const key = await gh.ok<{ key_id: string; key: string }>('GET', `${path}/secrets/public-key`);
        const encrypted_value = await sealSecret(key.key, await secret.value());
        await gh.ok('PUT', `${path}/secrets/${seg(secret.name)}`, { encrypted_value, key_id: key.key_id });
      },
      // only where it is missing: a new password would lock the smoke flow out of the admin it signed up
      commands: [
        `gh secret list --env ${want.name} ${repoFlag(repo)} | grep -q '^${secret.name}\\s' ||`,
        secret.origin === 'generated'
          ? `  openssl rand -base64 32 | gh secret set ${secret.name} --env ${want.name} ${repoFlag(repo)}`
          : `  gh secret set ${secret.name} --env ${want.name} ${repoFlag(repo)}   # asks for the value`,
      ],
    });
  }
  return changes;
}

function protectionChanges(d: Desired, state: RepoState | undefined, verdict: PlanVerdict): Change[] {
  if (!d.protectBranch || verdict.branchProtection === false) return [];
  const { repo } = d;
  const path = `/repos/${repo.fullName}/branches/${seg(repo.defaultBranch)}/protection`;
  const protection = state?.protection;
  if (protection === 'unavailable') return [];
  if (protection?.checks.includes(REQUIRED_CHECK)) return [];
  if (protection) {
    // a protection of the user's own: add the check, change nothing else
    return [
      {
        what: `branch protection of ${repo.defaultBranch}: requires the ${REQUIRED_CHECK} check too`,
        apply: async (gh) => {
          await gh.ok('POST', `${path}/required_status_checks/contexts`, { contexts: [REQUIRED_CHECK] });
        },
        commands: [
          `gh api --method POST ${path.slice(1)}/required_status_checks/contexts -f 'contexts[]=${REQUIRED_CHECK}'`,
        ],
      },
    ];
  }
  const body = {
    required_status_checks: { strict: false, checks: [{ context: REQUIRED_CHECK }] },
    enforce_admins: false,
    required_pull_request_reviews: { required_approving_review_count: 0 },
    restrictions: null,
  };
  return [
    {
      what: `branch protection of ${repo.defaultBranch}: changes through pull requests that pass ${REQUIRED_CHECK}`,
      apply: async (gh) => {
        await gh.ok('PUT', path, body);
      },
      commands: ghApiJson('PUT', path.slice(1), body),
    },
  ];
}

function actionsChanges(d: Desired, state: RepoState | undefined): Change[] {
  const { repo } = d;
  const changes: Change[] = [];
  if (state?.workflowPermissions !== 'read') {
    changes.push({
      what: 'workflow tokens read-only by default (each job asks for what it needs)',
      apply: async (gh) => {
        await gh.ok('PUT', `/repos/${repo.fullName}/actions/permissions/workflow`, {
          default_workflow_permissions: 'read',
        });
      },
      commands: [
        `gh api --method PUT repos/${repo.fullName}/actions/permissions/workflow -f default_workflow_permissions=read`,
      ],
    });
  }
  for (const w of state?.workflows ?? []) {
    if (w.state !== 'disabled_fork') continue;
    changes.push({
      what: `workflow ${w.path}: enabled (forks start with workflows off)`,
      apply: async (gh) => {
        await gh.ok('PUT', `/repos/${repo.fullName}/actions/workflows/${w.id}/enable`);
      },
      commands: [`gh workflow enable ${w.id} ${repoFlag(repo)}`],
    });
  }
  return changes;
}

/**
 * Every change the repository needs, in the order to make them (environments before their
 * variables and secrets). Without a state (no token), everything is listed, to be done by hand.
 */
export function githubChanges(d: Desired, state: RepoState | undefined, verdict: PlanVerdict): Change[] {
  const changes: Change[] = [];
  changes.push(...actionsChanges(d, state));
  for (const [name, value] of Object.entries(d.variables)) {
    const change = variableChange(d.repo, name, value, state?.variables[name]);
    if (change) changes.push(change);
  }
  // a repository variable of an environment's name (a setup from before environments) is seen by
  // every environment that lacks its own: removed once each has its own
  for (const name of d.environmentVariables) {
    if (state?.variables[name] === undefined || !d.environments.every((e) => e.variables[name] !== undefined)) continue;
    changes.push({
      what: `repository variable ${name} removed (each environment has its own)`,
      apply: async (gh) => {
        await gh.ok('DELETE', `/repos/${d.repo.fullName}/actions/variables/${seg(name)}`);
      },
      commands: [`gh variable delete ${name} ${repoFlag(d.repo)}`],
    });
  }
  if (verdict.environments !== false) {
    for (const env of d.environments)
      changes.push(...environmentChanges(d, env, state?.environments[env.name], verdict));
  }
  changes.push(...protectionChanges(d, state, verdict));
  return changes;
}
