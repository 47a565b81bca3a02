/**
 * `npm run doctor`: every check of a fork's setup, run in parallel, printed in a fixed order,
 * one line each: ok, warn, or FIX with what to do. Exit 1 when anything must be fixed.
 */
import { awsClients } from './aws.ts';
import { bootstrapLines, fileLines, nameOfPlanRole, type Sourced, sameEverywhere, toolLines } from './doctor-local.ts';
import { awsIdentityLines, awsResourceLines, githubLines } from './doctor-remote.ts';
import type { Line } from './doctor-types.ts';
import { describeError } from './errors.ts';
import { detectRepository, repositoryRoot } from './git.ts';
import { apiBase, findToken, GitHub, hasToken } from './github.ts';
import { planVerdict, readPlan, readRepo, readState, readViewer } from './github-state.ts';
import { environmentNames, paths, readEnvironment } from './project.ts';
import { Report } from './report.ts';
import { loadSettings } from './settings.ts';
import { bootstrapOutputs, deployRoleArns } from './terraform.ts';

export interface DoctorIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
}

async function github(repository: string | undefined, env: NodeJS.ProcessEnv, environments: string[]) {
  if (!repository)
    return {
      lines: [{ mark: 'FIX', text: 'no GitHub repository: the git remote names none; pass --repo OWNER/NAME' } as Line],
    };
  const token = await findToken(env);
  const gh = new GitHub(apiBase(env), hasToken(token) ? token.value : undefined);
  if (!hasToken(token))
    return { lines: [{ mark: 'warn', text: `GitHub settings not checked: ${token.reason}` } as Line] };
  try {
    const repo = await readRepo(gh, repository);
    const viewer = await readViewer(gh);
    const [plan, state] = await Promise.all([
      readPlan(gh, repo, viewer).catch(() => undefined),
      readState(gh, repo, environments),
    ]);
    return {
      repo,
      state,
      verdict: planVerdict(repo, plan),
      lines: [{ mark: 'ok', text: `GitHub ${repo.fullName} (${repo.visibility}), token from ${token.source}` } as Line],
    };
  } catch (err) {
    return { lines: [{ mark: 'FIX', text: `GitHub: ${describeError(err)}` } as Line] };
  }
}

export async function runDoctor(o: { repo?: string | undefined }, io: DoctorIo): Promise<number> {
  const root = await repositoryRoot(io.cwd);
  const p = paths(root);
  const settings = loadSettings(p.githubSettings);
  const configs = environmentNames(p).map((env) => readEnvironment(p, env));
  const envs = configs.map((c) => c.env);
  const files = fileLines(p, configs);
  const outputs = bootstrapOutputs(p.bootstrap);
  const region = files.repeated.region[0]?.value ?? outputs?.region;
  const aws = awsClients(String(region ?? 'eu-west-1'));
  const repository = o.repo ?? (await detectRepository(root, io.env.GH_HOST || 'github.com'));

  const [tools, who, gh] = await Promise.all([toolLines(p), awsIdentityLines(aws), github(repository, io.env, envs)]);
  const vars = gh.state?.variables ?? {};
  const roles = outputs ? deployRoleArns(outputs) : {};
  const deployRoles = Object.fromEntries(
    envs.map((env) => [env, roles[env] ?? gh.state?.environments[env]?.variables.AWS_DEPLOY_ROLE_ARN]),
  );
  const resources = who.every((l) => l.mark === 'ok')
    ? await awsResourceLines(aws, {
        bucket:
          (outputs?.state_bucket as string | undefined) ?? vars.TF_STATE_BUCKET ?? files.repeated.bucket[0]?.value,
        region: (outputs?.region as string | undefined) ?? vars.AWS_REGION,
        planRole: (outputs?.plan_role_arn as string | undefined) ?? vars.AWS_PLAN_ROLE_ARN,
        deployRoles,
        repo: gh.repo,
      })
    : [];

  const also = (where: string, value: unknown): Sourced[] => (typeof value === 'string' ? [{ where, value }] : []);
  const consistency: Line[] = [
    sameEverywhere(
      'name',
      [
        ...files.repeated.name,
        ...also('bootstrap', nameOfPlanRole(outputs?.plan_role_arn)),
        ...also('AWS_PLAN_ROLE_ARN', nameOfPlanRole(vars.AWS_PLAN_ROLE_ARN)),
      ],
      'use one name everywhere (npm run setup -- --name NAME)',
    ),
    sameEverywhere(
      'region',
      [...files.repeated.region, ...also('bootstrap', outputs?.region), ...also('AWS_REGION', vars.AWS_REGION)],
      'use one region everywhere (npm run setup -- --region REGION rewrites them all)',
    ),
  ];
  const buckets = [
    ...files.repeated.bucket,
    ...also('bootstrap', outputs?.state_bucket),
    ...also('TF_STATE_BUCKET', vars.TF_STATE_BUCKET),
  ];
  if (buckets.length)
    consistency.push(
      sameEverywhere('state bucket', buckets, "every place names the bootstrap's bucket (npm run setup)"),
    );

  const report = new Report(io.out);
  const show = (title: string, lines: Line[]) => {
    if (lines.length === 0) return;
    report.section(title);
    for (const l of lines) report.line(l.mark, l.text);
  };
  show('Tools', tools);
  show('Environment files', files.lines);
  show('Repeated values', consistency);
  show('Bootstrap', bootstrapLines(outputs, envs));
  show('AWS', [...who, ...resources]);
  const githubChecks =
    gh.repo && gh.state && gh.verdict
      ? githubLines({
          repo: gh.repo,
          state: gh.state,
          verdict: gh.verdict,
          settings,
          outputs: outputs && { ...outputs, deploy_role_arns: roles },
          configs,
          checkedElsewhere: ['AWS_REGION', 'TF_STATE_BUCKET'],
        })
      : [];
  show('GitHub', [...gh.lines, ...githubChecks]);

  const { FIX, warn } = report.counts;
  report.plain(
    FIX
      ? `\n${FIX} thing(s) to fix${warn ? `, ${warn} warning(s)` : ''}.`
      : `\nAll good${warn ? ` (${warn} warning(s))` : ''}.`,
  );
  return FIX ? 1 : 0;
}
