/**
 * Everything setup checks before it changes anything, in parallel: Terraform's version, who the
 * AWS credentials are, the GitHub repository (its ids, visibility, the owner's plan) and, with a
 * token that may administer it, its current settings. A problem here stops setup with nothing
 * changed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Aws, awsClients, hasGithubOidcProvider, type Identity, identity } from './aws.ts';
import { describeError } from './errors.ts';
import { apiBase, findToken, GitHub, hasToken, type NoToken, type Token } from './github.ts';
import {
  type PlanVerdict,
  planVerdict,
  type RepoInfo,
  type RepoState,
  readPlan,
  readRepo,
  readState,
  readViewer,
  type Viewer,
} from './github-state.ts';
import type { Paths } from './project.ts';
import type { Report } from './report.ts';
import { requiredTerraform, terraformVersion, versionAtLeast } from './terraform.ts';

export interface Preflight {
  ok: boolean;
  aws?: Aws;
  identity?: Identity;
  /** Whether the account has GitHub's OIDC provider (the bootstrap's own, or another). */
  oidcProviderExists: boolean;
  gh: GitHub;
  token: Token | NoToken;
  repo?: RepoInfo;
  viewer?: Viewer | undefined;
  verdict?: PlanVerdict;
  /** The repository's settings; undefined without a token that may administer it. */
  state?: RepoState | undefined;
}

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

export async function preflight(
  p: Paths,
  o: { repository: string; region: string; environments: string[]; env: NodeJS.ProcessEnv },
  report: Report,
): Promise<Preflight> {
  report.section('Checks');
  const aws = awsClients(o.region);
  const token = await findToken(o.env);
  const gh = new GitHub(apiBase(o.env), hasToken(token) ? token.value : undefined);
  const [version, who, oidc, repo, viewer] = await Promise.all([
    terraformVersion(),
    settle(identity(aws)),
    settle(hasGithubOidcProvider(aws)),
    settle(readRepo(gh, o.repository)),
    settle(readViewer(gh)),
  ]);
  let ok = true;

  const minimum = requiredTerraform(readFileSync(join(p.bootstrap, 'versions.tf'), 'utf8')) ?? '1.11.0';
  if (!version) {
    report.line(
      'FIX',
      `terraform: not on PATH; install Terraform ${minimum} or newer (https://developer.hashicorp.com/terraform/install)`,
    );
    ok = false;
  } else if (!versionAtLeast(version, minimum)) {
    report.line('FIX', `terraform ${version}: the bootstrap needs ${minimum} or newer`);
    ok = false;
  } else report.line('ok', `terraform ${version}`);

  if (who.value) report.line('ok', `AWS account ${who.value.account} as ${who.value.arn} (${o.region})`);
  else {
    report.line('FIX', `AWS: ${describeError(who.error, { region: o.region })}`);
    ok = false;
  }
  if (oidc.error && who.value)
    report.line(
      'warn',
      `AWS: cannot list the OIDC providers (${describeError(oidc.error)}): the bootstrap will try to create GitHub's`,
    );

  const result: Preflight = {
    ok,
    oidcProviderExists: oidc.value === true,
    gh,
    token,
    ...(who.value && { aws, identity: who.value }),
  };

  if (!repo.value) {
    report.line('FIX', `GitHub: ${describeError(repo.error)}`);
    return { ...result, ok: false };
  }
  const r = repo.value;
  result.repo = r;
  result.viewer = viewer.value;
  const who_ = viewer.value ? ` as ${viewer.value.login}` : '';
  report.line(
    'ok',
    `GitHub ${r.fullName}: ${r.visibility}, id ${r.id}; owner ${r.owner} (${r.ownerType}, id ${r.ownerId})${hasToken(token) ? `; token from ${token.source}${who_}` : ''}`,
  );
  if (viewer.error) report.line('warn', `GitHub: ${describeError(viewer.error)}`);

  const plan = await settle(readPlan(gh, r, viewer.value));
  const verdict = planVerdict(r, plan.value);
  result.verdict = verdict;
  if (verdict.environments === false) {
    report.line('FIX', verdict.advice ?? 'this repository cannot have environments');
    result.ok = false;
  } else if (verdict.advice) report.line('warn', verdict.advice);

  if (!hasToken(token)) {
    report.line('todo', `GitHub: ${token.reason}: setup prints the GitHub settings as gh commands at the end`);
  } else if (r.admin === false) {
    report.line(
      'todo',
      `GitHub: ${viewer.value?.login ?? 'this token'} is not an admin of ${r.fullName}: setup prints the settings for an admin to run`,
    );
  } else {
    const state = await settle(readState(gh, r, o.environments));
    if (state.value) result.state = state.value;
    else
      report.line(
        'warn',
        `GitHub: cannot read the settings of ${r.fullName} (${describeError(state.error)}): setup prints them instead`,
      );
  }
  return result;
}
