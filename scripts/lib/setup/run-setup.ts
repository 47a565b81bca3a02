/**
 * `npm run setup`, step by step: values (asked or from flags, checked at once), checks (nothing
 * changed yet), the environment files, the bootstrap (plan, confirm, apply), the backend files
 * from its outputs, the GitHub settings (through the API, or printed as gh commands), the pull
 * request. Each step says what it found and what it changed; a run that changes nothing says so.
 */

import { roleFacts } from './aws.ts';
import { BOOTSTRAP_STATE_KEY, backupBootstrapState, restoreBootstrapState } from './bootstrap-state.ts';
import { desiredSettings, environmentsMissingSecret } from './desired.ts';
import { describeError, SetupError } from './errors.ts';
import { backendChanges, type FileChange, tfvarsChanges, writeChange } from './files.ts';
import { detectRepository, repositoryRoot } from './git.ts';
import { seg } from './github.ts';
import { githubChanges, PREVIEW_ENVIRONMENT } from './github-changes.ts';
import type { Reviewer } from './github-state.ts';
import { Inputs, splitList } from './inputs.ts';
import { preflight } from './preflight.ts';
import { environmentFiles, environmentNames, isPlaceholder, paths, readEnvironment } from './project.ts';
import type { Asker } from './prompt.ts';
import { proposePullRequest } from './pull-request.ts';
import { Report } from './report.ts';
import { loadSettings } from './settings.ts';
import {
  bootstrapOutputs,
  bootstrapOwnsOidcProvider,
  deployRoleArns,
  initBootstrap,
  keptRoleNames,
  planBootstrap,
} from './terraform.ts';
import { type Password, resolveBase, resolveSmoke, type SetupFlags } from './values.ts';

export interface SetupIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  asker: Asker;
  out: (text: string) => void;
  readStdin: () => Promise<string>;
}

function fileLines(report: Report, changes: FileChange[]) {
  for (const c of changes) report.line('set', `${c.file}: ${c.created ? 'created' : c.what.join(', ')}`);
}

/** Outputs with deploy_role_arns always a map (an older bootstrap has one deploy_role_arn). */
function normalised(outputs: Record<string, unknown>): Record<string, unknown> {
  return { ...outputs, deploy_role_arns: deployRoleArns(outputs) };
}

export async function runSetup(flags: SetupFlags, io: SetupIo): Promise<number> {
  const root = await repositoryRoot(io.cwd);
  const p = paths(root);
  const settings = loadSettings(p.githubSettings);
  const report = new Report(io.out);
  const inputs = new Inputs(io.asker, flags.yes);
  const host = io.env.GH_HOST || 'github.com';

  const configs = environmentNames(p).map((env) => readEnvironment(p, env));
  const outputsBefore = bootstrapOutputs(p.bootstrap);
  const base = await resolveBase(p, {
    flags,
    inputs,
    configs,
    outputs: outputsBefore,
    remoteRepository: await detectRepository(root, host),
    env: io.env,
  });
  report.plain(
    `platform setup: ${base.repository}, name ${base.name}, region ${base.region}, environments ${base.environments.join(', ')}, admin ${base.adminEmail}`,
  );

  const pre = await preflight(
    p,
    { repository: base.repository, region: base.region, environments: base.environments, env: io.env },
    report,
  );
  if (!pre.ok || !pre.repo || !pre.verdict) {
    report.plain('\nNothing was changed. Fix what the lines marked FIX say, then run npm run setup again.');
    return 1;
  }
  const repo = pre.repo;
  const canApply = pre.state !== undefined;

  const needPassword = canApply ? environmentsMissingSecret(settings, pre.state, base.environments) : [];
  const smoke = await resolveSmoke({
    flags,
    inputs,
    asker: io.asker,
    base,
    state: pre.state,
    needPassword,
    readStdin: io.readStdin,
  });
  const passwords: Record<string, Password> = canApply
    ? smoke.passwords
    : Object.fromEntries(
        base.environments.map((env) => [
          env,
          { origin: 'generated', value: () => Promise.reject(new Error('printed, not set')) },
        ]),
      );

  // reviewers of production: as asked, else the ones it has, else whoever runs setup
  let reviewers: Reviewer[] = [];
  if (flags.reviewers) {
    if (!canApply) throw new SetupError('--reviewers needs a GitHub token that may administer the repository', 2);
    reviewers = await Promise.all(
      splitList(flags.reviewers).map(async (login) => {
        const u = await pre.gh.ok<{ id: number; login: string }>('GET', `/users/${seg(login)}`);
        return { type: 'User' as const, id: u.id, login: u.login };
      }),
    );
  } else if (!pre.state?.environments.production?.reviewers.length) {
    const me = pre.viewer ?? (repo.ownerType === 'User' ? { login: repo.owner, id: repo.ownerId } : undefined);
    if (me) reviewers = [{ type: 'User', id: me.id, login: me.login }];
  }

  // --- what changes locally and in AWS: planned, shown, then made ------------------------------
  const admins = [...new Set([base.adminEmail, smoke.smokeEmail])];
  const tfvars = await tfvarsChanges(p, base.environments, { name: base.name, region: base.region, admins });
  // a machine without the bootstrap's state (a teammate, a new laptop): the copy in the bucket
  let restored = false;
  if (!outputsBefore && pre.aws && pre.identity) {
    const named = configs.flatMap((c) => c.backends).find((b) => !isPlaceholder(b.bucket))?.bucket;
    const bucket = named ?? `${base.name}-tfstate-${pre.identity.account}-${base.region}`;
    restored = await restoreBootstrapState(pre.aws, bucket, p.bootstrap).catch(() => false);
    // applied elsewhere, its state nowhere to be found: applying again would collide with it
    const plan = await roleFacts(pre.aws, `arn:aws:iam::${pre.identity.account}:role/${base.name}-github-plan`).catch(
      () => undefined,
    );
    if (!restored && plan?.exists) {
      report.line(
        'FIX',
        `the bootstrap was applied in account ${pre.identity.account} before (role ${base.name}-github-plan exists), but this machine has no state for it and s3://${bucket}/${BOOTSTRAP_STATE_KEY} neither: copy infra/terraform/bootstrap/terraform.tfstate from the machine that applied it, then run setup again`,
      );
      report.plain('\nNothing was changed.');
      return 1;
    }
  }
  if (restored)
    report.line('ok', `the bootstrap's state came from the bucket (${BOOTSTRAP_STATE_KEY}): this machine had none`);
  // the provider is the bootstrap's to manage if it created it; one made otherwise is only used
  const createOidcProvider = bootstrapOwnsOidcProvider(p.bootstrap) || !pre.oidcProviderExists;
  if (!createOidcProvider)
    report.line('ok', "AWS: the account has GitHub's OIDC provider already: the bootstrap uses it");
  report.note('terraform init + plan of infra/terraform/bootstrap ...');
  await initBootstrap(p.bootstrap);
  const plan = await planBootstrap(p.bootstrap, {
    name: base.name,
    region: base.region,
    github_repository: repo.fullName,
    github_repository_id: String(repo.id),
    github_owner_id: String(repo.ownerId),
    environments: base.environments,
    preview_environment: base.environments.includes(PREVIEW_ENVIRONMENT) ? PREVIEW_ENVIRONMENT : null,
    create_oidc_provider: createOidcProvider,
    deploy_role_names: keptRoleNames(bootstrapOutputs(p.bootstrap), base.name, base.environments),
  });
  try {
    const ask = io.asker.interactive && !flags.yes && (tfvars.length > 0 || plan.changes);
    if (ask) {
      report.section('To do');
      for (const c of tfvars) report.note(`${c.file}: ${c.created ? 'create' : c.what.join(', ')}`);
      if (plan.changes) report.note(`bootstrap: ${plan.summary}`);
    }
    if (plan.destroys.length > 0) {
      report.line(
        'warn',
        `the bootstrap plan destroys or replaces:\n${plan.destroys.join('\n')}\n(a new name or region replaces the roles and the state bucket: the states in it would go)`,
      );
      const allowed = flags.allowDestroy || (io.asker.interactive && (await io.asker.confirm('Destroy them?', false)));
      if (!allowed) {
        report.plain('\nNothing was changed (pass --allow-destroy if this is really what you want).');
        plan.discard();
        return 1;
      }
    }
    if (ask && !(await io.asker.confirm('Go ahead?', true))) {
      report.plain('Nothing was changed.');
      plan.discard();
      return 1;
    }
  } catch (err) {
    plan.discard();
    throw err;
  }

  report.section('Environment files (infra/terraform/environments)');
  for (const c of configs) {
    if (!base.environments.includes(c.env))
      report.line(
        'warn',
        `${c.env}.tfvars is not one of the environments: left alone (delete it, or add it with --environments)`,
      );
  }
  for (const c of tfvars) writeChange(p, c);
  fileLines(report, tfvars);
  if (tfvars.length === 0)
    report.line('ok', `${base.environments.map((e) => `${e}.tfvars`).join(', ')}: as they should be`);

  report.section('Bootstrap (infra/terraform/bootstrap: state bucket, GitHub OIDC roles)');
  if (plan.changes) {
    report.note('terraform apply ...');
    const started = Date.now();
    report.line('set', `${await plan.apply()} (${Math.round((Date.now() - started) / 1000)} s)`);
  } else {
    plan.discard();
    report.line('ok', 'the account is as the bootstrap describes it (no changes)');
  }
  if (restored)
    report.line('ok', `the bootstrap's state came from the bucket (${BOOTSTRAP_STATE_KEY}): this machine had none`);
  const outputsRaw = bootstrapOutputs(p.bootstrap);
  if (!outputsRaw)
    throw new SetupError(
      'the bootstrap has no outputs after its apply: see infra/terraform/bootstrap/terraform.tfstate',
    );
  const outputs = normalised(outputsRaw);
  const roles = outputs.deploy_role_arns as Record<string, string>;
  for (const env of base.environments) {
    if (!roles[env])
      report.line(
        'FIX',
        `the bootstrap has no deploy role for ${env}: update infra/terraform/bootstrap (environments), then run setup again`,
      );
  }
  report.line('ok', `state bucket ${outputs.state_bucket}, plan role ${outputs.plan_role_arn}`);
  if (pre.aws) {
    const copied = await backupBootstrapState(pre.aws, String(outputs.state_bucket), p.bootstrap).catch((err) => {
      report.line(
        'warn',
        `could not copy the bootstrap's state into the bucket (${describeError(err)}): keep infra/terraform/bootstrap/terraform.tfstate safe`,
      );
      return false;
    });
    if (copied)
      report.line(
        'set',
        `the bootstrap's state copied to s3://${outputs.state_bucket}/${BOOTSTRAP_STATE_KEY} (setup on another machine finds it there)`,
      );
  }

  const backends = backendChanges(p, base.environments, String(outputs.state_bucket), String(outputs.region));
  for (const c of backends) writeChange(p, c);
  fileLines(report, backends);
  if (backends.length === 0) report.line('ok', 'backend files name the state bucket');

  // --- GitHub -----------------------------------------------------------------------------------
  report.section(`GitHub settings of ${repo.fullName}`);
  const { desired, unfilled } = desiredSettings({
    repo,
    settings,
    outputs,
    environments: base.environments,
    prompts: {
      smoke_admin_email: smoke.smokeEmail,
      ...(flags.previews !== undefined && { previews: String(flags.previews) }),
    },
    passwords,
    reviewers,
    protectBranch: flags.branchProtection,
    // previews run in staging's environment from pull-request branches (preview.yml)
    previewEnvironment:
      base.environments.includes(PREVIEW_ENVIRONMENT) && (flags.previews ?? pre.state?.variables.PREVIEWS === 'true')
        ? PREVIEW_ENVIRONMENT
        : undefined,
  });
  for (const u of unfilled) report.line('todo', `${u.setting.name}${u.env ? ` (${u.env})` : ''}: ${u.why}`);
  if (pre.verdict.reviewers === false && reviewers.length > 0) {
    report.line(
      'warn',
      `no required reviewers on ${repo.visibility} ${repo.fullName} with this plan: production deploys without an approval`,
    );
  }
  const changes = githubChanges(desired, pre.state, pre.verdict);
  if (canApply) {
    for (const change of changes) {
      try {
        await change.apply(pre.gh);
        report.line('set', change.what);
      } catch (err) {
        report.line('FIX', `${change.what}: ${describeError(err)}\nby hand: ${change.commands.join('\n')}`);
      }
    }
    if (changes.length === 0)
      report.line(
        'ok',
        'variables, environments, secrets, branch protection and workflow permissions as they should be',
      );
  } else if (changes.length > 0) {
    report.line(
      'todo',
      `run these (or make the same settings in the web UI: Settings > Environments, Secrets and variables > Actions, Branches, Actions > General):\n${changes.flatMap((c) => [`# ${c.what}`, ...c.commands]).join('\n')}`,
    );
  }

  // --- pull request ---------------------------------------------------------------------------
  const files = base.environments.flatMap((env) => [environmentFiles(env).tfvars, ...environmentFiles(env).backends]);
  if (flags.pullRequest)
    await proposePullRequest({
      root,
      repo,
      gh: canApply || pre.gh.authenticated ? pre.gh : undefined,
      files,
      report,
      env: io.env,
    });

  const { set, todo, FIX } = report.counts;
  if (FIX > 0)
    report.plain(
      `\nSetup stopped short: fix the lines marked FIX, then run npm run setup again (it redoes only what is missing).`,
    );
  else if (set === 0 && todo === 0)
    report.plain('\nNothing to change: everything was already set up. (npm run doctor checks it all.)');
  else {
    report.plain(
      `\nDone: ${set} change(s)${todo ? `, ${todo} thing(s) to do by hand (marked todo)` : ''}. Next: read the plan the pull request gets, merge it; staging deploys, then production waits for an approval. npm run doctor checks the whole setup.`,
    );
  }
  return FIX > 0 ? 1 : 0;
}
