/**
 * doctor's checks of AWS and GitHub: who the credentials are, the state bucket and the roles as
 * they exist (and whom the roles trust), and the repository's settings against the bootstrap's
 * outputs and the environment files: variables, environments, reviewers, deployment branches,
 * secrets (by name), branch protection, workflow permissions.
 */
import { type Aws, bucketFacts, identity, roleFacts } from './aws.ts';
import type { Line } from './doctor-types.ts';
import { describeError } from './errors.ts';
import { APPROVED_ENVIRONMENT, PREVIEW_ENVIRONMENT, REQUIRED_CHECK } from './github-changes.ts';
import type { PlanVerdict, RepoInfo, RepoState } from './github-state.ts';
import type { EnvironmentConfig } from './project.ts';
import { bootstrapValue, type GithubSettings, parseSource } from './settings.ts';

export async function awsIdentityLines(aws: Aws): Promise<Line[]> {
  try {
    const id = await identity(aws);
    return [{ mark: 'ok', text: `AWS account ${id.account} as ${id.arn} (${aws.region})` }];
  } catch (err) {
    return [{ mark: 'FIX', text: `AWS: ${describeError(err, { region: aws.region })}` }];
  }
}

/** The bucket and roles as AWS has them: from the bootstrap's outputs, else the GitHub variables. */
export async function awsResourceLines(
  aws: Aws,
  o: {
    bucket?: string | undefined;
    region?: string | undefined;
    planRole?: string | undefined;
    deployRoles: Record<string, string | undefined>;
    repo?: RepoInfo | undefined;
  },
): Promise<Line[]> {
  const lines: Line[] = [];
  const tasks: Array<Promise<void>> = [];
  if (o.bucket) {
    tasks.push(
      bucketFacts(aws, o.bucket).then((b) => {
        if (!b.exists)
          lines.push({
            mark: 'FIX',
            text: `state bucket ${o.bucket} does not exist: npm run setup creates it (bootstrap)`,
          });
        else if (b.problem)
          lines.push({ mark: 'warn', text: `state bucket ${o.bucket}: cannot read it (${b.problem})` });
        else if (o.region && b.region !== o.region)
          lines.push({ mark: 'FIX', text: `state bucket ${o.bucket} is in ${b.region}, the backends say ${o.region}` });
        else if (!b.versioned)
          lines.push({
            mark: 'FIX',
            text: `state bucket ${o.bucket} is not versioned: apply the bootstrap again (npm run setup)`,
          });
        else lines.push({ mark: 'ok', text: `state bucket ${o.bucket} (${b.region}, versioned)` });
      }),
    );
  }
  const trusts = async (what: string, arn: string | undefined, context: string) => {
    if (!arn) return;
    const role = await roleFacts(aws, arn);
    if (!role.exists) {
      lines.push({ mark: 'FIX', text: `${what} ${arn} does not exist: npm run setup (bootstrap) creates it` });
      return;
    }
    const repo = o.repo;
    const wanted = repo
      ? [`repo:${repo.fullName}:${context}`, `repo:${repo.owner}@${repo.ownerId}/${repo.name}@${repo.id}:${context}`]
      : [];
    if (repo && !wanted.some((w) => role.subjects.includes(w))) {
      lines.push({
        mark: 'FIX',
        text: `${what} ${arn} does not trust ${repo.fullName} (${context}); it trusts ${role.subjects.join(', ') || 'no GitHub subject'}: apply the bootstrap for this repository (npm run setup)`,
      });
      return;
    }
    lines.push({
      mark: 'ok',
      text: `${what} ${arn.split('/').pop()} trusts ${repo ? `${repo.fullName} ` : ''}${context}`,
    });
  };
  tasks.push(trusts('plan role', o.planRole, 'pull_request'));
  for (const [env, arn] of Object.entries(o.deployRoles))
    tasks.push(trusts(`deploy role of ${env}`, arn, `environment:${env}`));
  const results = await Promise.allSettled(tasks);
  for (const r of results)
    if (r.status === 'rejected') lines.push({ mark: 'warn', text: `AWS: ${describeError(r.reason)}` });
  return lines.sort((a, b) => a.text.localeCompare(b.text));
}

export interface GithubCheckInputs {
  repo: RepoInfo;
  state: RepoState;
  verdict: PlanVerdict;
  settings: GithubSettings;
  outputs: Record<string, unknown> | undefined;
  configs: EnvironmentConfig[];
  /** Variables whose value a consistency line checks already (only their presence here). */
  checkedElsewhere: string[];
}

export function githubLines(i: GithubCheckInputs): Line[] {
  const { repo, state, verdict } = i;
  const lines: Line[] = [];
  const envs = i.configs.map((c) => c.env);
  if (verdict.environments === false)
    lines.push({ mark: 'FIX', text: verdict.advice ?? 'no environments on this plan' });
  else if (verdict.advice) lines.push({ mark: 'warn', text: verdict.advice });

  const off = state.workflows.filter((w) => w.state.startsWith('disabled'));
  lines.push(
    off.length
      ? {
          mark: 'FIX',
          text: `workflows switched off: ${off.map((w) => `${w.path} (${w.state})`).join(', ')}: npm run setup enables those a fork switched off; others: gh workflow enable`,
        }
      : { mark: 'ok', text: `workflows enabled (${state.workflows.length})` },
  );
  if (state.workflowPermissions === 'write') {
    lines.push({
      mark: 'warn',
      text: 'workflow tokens can write by default: Settings > Actions > General > Workflow permissions "Read" (npm run setup sets it)',
    });
  }

  // repository variables
  for (const s of i.settings.repository.variables) {
    const has = state.variables[s.name];
    const source = parseSource(s.from);
    const expected =
      source.kind === 'bootstrap' && i.outputs && !i.checkedElsewhere.includes(s.name)
        ? bootstrapValue(i.outputs, source)
        : undefined;
    if (has === undefined) {
      if (s.required)
        lines.push({ mark: 'FIX', text: `repository variable ${s.name} is not set (${s.from}): npm run setup` });
      else lines.push({ mark: 'ok', text: `repository variable ${s.name} is not set (optional: ${s.description})` });
    } else if (expected !== undefined && has !== expected) {
      lines.push({
        mark: 'FIX',
        text: `repository variable ${s.name} = ${has}, the bootstrap says ${expected}: npm run setup`,
      });
    } else lines.push({ mark: 'ok', text: `repository variable ${s.name} = ${has}` });
  }

  for (const s of i.settings.environments.variables) {
    if (state.variables[s.name] !== undefined) {
      lines.push({
        mark: 'FIX',
        text: `repository variable ${s.name} is seen by every environment without its own: remove it, each environment has its own (npm run setup removes it)`,
      });
    }
  }
  const previews = state.variables.PREVIEWS === 'true';

  // environments: the ones the tfvars name, and no other that deploys
  for (const extra of state.environmentNames.filter((e) => !envs.includes(e))) {
    lines.push({
      mark: 'warn',
      text: `GitHub environment ${extra} has no ${extra}.tfvars: not deployed by the workflows`,
    });
  }
  for (const c of i.configs) {
    const e = state.environments[c.env];
    if (!e?.exists) {
      lines.push({
        mark: 'FIX',
        text: `GitHub environment ${c.env} does not exist (${c.env}.tfvars does): npm run setup creates it`,
      });
      continue;
    }
    if (!e.branchPolicy && previews && c.env === PREVIEW_ENVIRONMENT) {
      lines.push({
        mark: 'ok',
        text: `environment ${c.env}: every branch may deploy (PREVIEWS=true: pull-request previews run in it)`,
      });
    } else if (!e.branchPolicy?.custom_branch_policies || !e.branches.includes(repo.defaultBranch)) {
      lines.push({
        mark: 'FIX',
        text: `environment ${c.env}: any branch may deploy to it (pull requests could use its role): allow ${repo.defaultBranch} only (npm run setup)`,
      });
    } else if (e.branches.length > 1) {
      lines.push({ mark: 'warn', text: `environment ${c.env}: deploys from ${e.branches.join(', ')}` });
    }
    if (c.env === APPROVED_ENVIRONMENT) {
      if (e.reviewers.length > 0)
        lines.push({
          mark: 'ok',
          text: `environment ${c.env}: required reviewers ${e.reviewers.map((r) => r.login).join(', ')}`,
        });
      else if (verdict.reviewers === false)
        lines.push({
          mark: 'warn',
          text: `environment ${c.env}: no required reviewers (not available on this plan): production deploys without an approval`,
        });
      else
        lines.push({
          mark: 'FIX',
          text: `environment ${c.env}: no required reviewers, so production deploys without an approval: npm run setup adds you (or --reviewers)`,
        });
    }
    for (const s of i.settings.environments.variables) {
      const has = e.variables[s.name];
      const source = parseSource(s.from);
      const expected = source.kind === 'bootstrap' && i.outputs ? bootstrapValue(i.outputs, source, c.env) : undefined;
      if (has === undefined) {
        if (s.required)
          lines.push({ mark: 'FIX', text: `variable ${s.name} of environment ${c.env} is not set: npm run setup` });
      } else if (expected !== undefined && has !== expected) {
        lines.push({
          mark: 'FIX',
          text: `variable ${s.name} of environment ${c.env} = ${has}, the bootstrap says ${expected}: npm run setup`,
        });
      } else if (s.name === 'SMOKE_ADMIN_EMAIL' && !(c.adminEmails ?? []).includes(has)) {
        lines.push({
          mark: 'FIX',
          text: `SMOKE_ADMIN_EMAIL of ${c.env} (${has}) is not in admin_emails of ${c.env}.tfvars: the smoke flow's admin step would be refused; npm run setup adds it`,
        });
      } else lines.push({ mark: 'ok', text: `variable ${s.name} of environment ${c.env} = ${has}` });
    }
    for (const s of i.settings.environments.secrets) {
      if (e.secrets.includes(s.name))
        lines.push({ mark: 'ok', text: `secret ${s.name} of environment ${c.env} is set` });
      else if (s.required)
        lines.push({
          mark: 'FIX',
          text: `secret ${s.name} of environment ${c.env} is not set: npm run setup (generates one), or gh secret set ${s.name} --env ${c.env}`,
        });
    }
  }

  // the default branch
  if (state.protection === 'unavailable') {
    lines.push({
      mark: 'warn',
      text: `${repo.defaultBranch} cannot be protected on this plan (private repository on GitHub Free)`,
    });
  } else if (!state.protection) {
    lines.push({
      mark: 'FIX',
      text: `${repo.defaultBranch} is not protected: anything pushed to it deploys; npm run setup requires pull requests and the ${REQUIRED_CHECK} check`,
    });
  } else {
    const missing = [
      state.protection.requiresPullRequest ? undefined : 'pull requests',
      state.protection.checks.includes(REQUIRED_CHECK) ? undefined : `the ${REQUIRED_CHECK} check`,
    ].filter(Boolean);
    lines.push(
      missing.length
        ? { mark: 'FIX', text: `${repo.defaultBranch} is protected but does not require ${missing.join(' or ')}` }
        : { mark: 'ok', text: `${repo.defaultBranch} requires pull requests and ${REQUIRED_CHECK}` },
    );
  }
  return lines;
}
