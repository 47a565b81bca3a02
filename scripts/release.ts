/**
 * The release steps of .github/workflows/environment.yml and preview.yml (scripts/lib/release.ts):
 *
 *   node scripts/release.ts plan --mode build   --targets JSON --commit SHA --region R
 *   node scripts/release.ts plan --mode promote --targets JSON --images JSON --region R
 *   node scripts/release.ts plan --mode preview --targets JSON --commit SHA --pr N --region R
 *   node scripts/release.ts promote --plan PROMOTE_JSON --region R      (copies with skopeo)
 *   node scripts/release.ts rollout --plan DEPLOY_JSON --targets JSON --region R [--timeout 900]
 *     [--during-bake COMMAND]
 *   node scripts/release.ts images --targets JSON --region R
 *   node scripts/release.ts targets --outputs FILE     (FILE: terraform output -json)
 *
 * --targets is Terraform's deploy_targets with each service's family (what `targets` outputs,
 * with region and base_url, from the stack's outputs). Images are built for every architecture
 * an environment's tfvars names; a preview's for the architecture staging runs only.
 * plan prints what happens to each service and writes build, promote and deploy (JSON lists; in
 * preview mode also images, service => image, and builds, the services built into the pull
 * request's own repositories) to $GITHUB_OUTPUT when that is set. images prints
 * (and outputs) what the environment runs, with digests: the next environment's --images.
 * rollout rolls every service of the plan out at once (scripts/lib/ecs-deploy.ts, as
 * deploy-ecs.ts does: 15 minutes, then back to the revision it ran before) and fails when one
 * failed. A service whose deploy:strategy tag says BLUE_GREEN deploys blue/green, checked through
 * the test listener before production traffic moves (scripts/lib/ecs-blue-green.ts); --during-bake
 * runs COMMAND in each blue/green service's bake time, and rolls that service back when it fails. --endpoint points the SDK at moto. Exit codes: 0 done, 1 failed, 2 usage.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { deployService, summaryMarkdown } from './lib/ecs-deploy.ts';
import {
  architectureOf,
  type CopyImage,
  currentImages,
  ecrDigest,
  type Images,
  planBuild,
  planPreview,
  planPromotion,
  platformsOf,
  promote,
  ReleaseError,
  type ReleasePlan,
  readRunning,
  type StackOutputs,
  type Targets,
  targetsFrom,
} from './lib/release.ts';

const root = join(import.meta.dirname, '..');

/** Bad arguments: exit code 2. */
class UsageError extends Error {
  override name = 'UsageError';
}

const USAGE =
  'usage: release (plan --mode build|promote|preview | promote | rollout | images) --targets JSON ... (see the header of scripts/release.ts)';

/** What goes into a service's image: a change here is a new image (Dockerfile: one recipe for all). */
export const imageInputs = (service: string) => [
  `services/${service}`,
  'services/shared',
  'package.json',
  'package-lock.json',
  'scripts/build.ts',
  'scripts/shims',
  'Dockerfile',
  'certs',
];

function output(name: string, value: unknown): void {
  const line = `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `${line}\n`);
}

function json<T>(value: string | undefined, flag: string): T {
  if (!value) throw new UsageError(`--${flag} is required\n${USAGE}`);
  try {
    return JSON.parse(value) as T;
  } catch {
    throw new UsageError(`--${flag} is not JSON: ${value.slice(0, 80)}`);
  }
}

/** git diff --quiet over the image's inputs, in the checkout (which needs the history: fetch-depth 0). */
function sameCode(commit: string) {
  return (from: string, service: string) => {
    const known = spawnSync('git', ['cat-file', '-e', `${from}^{commit}`], { cwd: root });
    if (known.status !== 0) return false; // built from a commit this history does not have
    return (
      spawnSync('git', ['diff', '--quiet', from, commit, '--', ...imageInputs(service)], { cwd: root }).status === 0
    );
  };
}

/** Every environment's CPU architecture, from the tfvars in the repository. */
function environmentPlatforms(): string {
  const dir = join(root, 'infra', 'terraform', 'environments');
  return platformsOf(
    readdirSync(dir)
      .filter((f) => f.endsWith('.tfvars'))
      .map((f) => architectureOf(readFileSync(join(dir, f), 'utf8'))),
  );
}

/** skopeo copy --all --preserve-digests: the image index and every platform's image, unchanged. */
export function skopeoCopy(ecr: ECRClient): CopyImage {
  return async (source, destination) => {
    const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
    const token = authorizationData?.[0]?.authorizationToken;
    if (!token) throw new ReleaseError('ECR gave no authorization token');
    const registries = new Set([source, destination].map((ref) => ref.slice(0, ref.indexOf('/'))));
    const dir = mkdtempSync(join(tmpdir(), 'skopeo-'));
    const authfile = join(dir, 'auth.json');
    // a file of its own (mode 600), never a command-line argument: the token stays out of ps and logs
    writeFileSync(
      authfile,
      JSON.stringify({ auths: Object.fromEntries([...registries].map((r) => [r, { auth: token }])) }),
      {
        mode: 0o600,
      },
    );
    try {
      execFileSync(
        'skopeo',
        [
          'copy',
          '--all',
          '--preserve-digests',
          '--authfile',
          authfile,
          `docker://${source}`,
          `docker://${destination}`,
        ],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function printPlan(plan: ReleasePlan): void {
  for (const note of plan.notes) process.stdout.write(`${note}\n`);
  output('build', plan.build);
  output('promote', plan.promote);
  output('deploy', plan.deploy);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      mode: { type: 'string' },
      targets: { type: 'string' },
      images: { type: 'string' },
      plan: { type: 'string' },
      commit: { type: 'string' },
      region: { type: 'string' },
      endpoint: { type: 'string' },
      timeout: { type: 'string', default: '900' },
      outputs: { type: 'string' },
      pr: { type: 'string' },
      'during-bake': { type: 'string' },
    },
  });
  const config = {
    ...(values.region && { region: values.region }),
    ...(values.endpoint && { endpoint: values.endpoint }),
  };
  const ecs = new ECSClient(config);
  const ecr = new ECRClient(config);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const command = positionals[0];

  if (command === 'targets') {
    if (!values.outputs) throw new UsageError(`--outputs is required\n${USAGE}`);
    const { region, baseUrl, targets } = targetsFrom(JSON.parse(readFileSync(values.outputs, 'utf8')) as StackOutputs);
    for (const [name, t] of Object.entries(targets))
      log(`${name}: ${t.cluster}/${t.service}, ${t.repository}, ${t.family}`);
    output('region', region);
    output('base_url', baseUrl);
    output('targets', targets);
    return 0;
  }
  if (command === 'plan') {
    const targets = json<Targets>(values.targets, 'targets');
    const running = await readRunning(ecs, targets);
    if (values.mode === 'build' || values.mode === 'preview') {
      if (!values.commit || !/^[0-9a-f]{40}$/.test(values.commit))
        throw new UsageError(`--commit must be a full commit SHA\n${USAGE}`);
      const input = {
        targets,
        running,
        commit: values.commit,
        platforms: environmentPlatforms(),
        sameCode: sameCode(values.commit),
      };
      if (values.mode === 'build') printPlan(planBuild(input));
      else {
        // a preview runs on staging only: staging's architecture is enough
        const platforms = platformsOf(Object.values(running).map((r) => r.cpuArchitecture));
        const pr = Number(values.pr);
        if (!Number.isInteger(pr) || pr < 1) throw new UsageError(`--pr must be a pull request number\n${USAGE}`);
        const plan = planPreview({ ...input, platforms, pr });
        printPlan(plan);
        output('images', plan.images);
        output('builds', plan.builds);
      }
    } else if (values.mode === 'promote') {
      const images = json<Images>(values.images, 'images');
      printPlan(
        await planPromotion({
          targets,
          running,
          images,
          digestOf: (service, tag) => ecrDigest(ecr, targets[service]?.repository ?? '', tag),
        }),
      );
    } else throw new UsageError(`--mode must be build, promote or preview\n${USAGE}`);
    return 0;
  }
  if (command === 'promote') {
    await promote(json<ReleasePlan['promote']>(values.plan, 'plan'), { ecr, copy: skopeoCopy(ecr), log });
    return 0;
  }
  if (command === 'rollout') {
    const deploy = json<ReleasePlan['deploy']>(values.plan, 'plan');
    const targets = json<Targets>(values.targets, 'targets');
    const timeoutMs = Number(values.timeout) * 1000;
    if (!(timeoutMs > 0)) throw new UsageError('--timeout takes a positive number of seconds');
    const missing = deploy.filter((item) => !targets[item.service]).map((item) => item.service);
    if (missing.length > 0) throw new UsageError(`no target for ${missing.join(', ')}`);
    // every service at once: one rollout's 15 minutes are not added to the next one's
    const outcomes = await Promise.all(
      deploy.map(async (item) => {
        const target = targets[item.service] as Targets[string];
        const options = {
          cluster: target.cluster,
          service: target.service,
          image: item.image ?? undefined,
          container: item.service,
          timeoutMs,
          pollMs: Number(process.env.RELEASE_POLL_MS ?? 10_000),
          rollbackOnTimeout: true,
          dryRun: false,
          noWait: false,
          duringBake: values['during-bake'],
        };
        try {
          const result = await deployService(options, { ecs, log: (line) => log(`[${item.service}] ${line}`) });
          if (process.env.GITHUB_STEP_SUMMARY)
            appendFileSync(process.env.GITHUB_STEP_SUMMARY, summaryMarkdown(options, result));
          return { service: item.service, ok: result.ok, reason: result.reason };
        } catch (err) {
          return { service: item.service, ok: false, reason: describe(err) };
        }
      }),
    );
    for (const o of outcomes) log(`${o.service}: ${o.ok ? 'OK' : 'FAILED'}: ${o.reason}`);
    for (const o of outcomes.filter((x) => !x.ok)) process.stderr.write(`::error::${o.service}: ${o.reason}\n`);
    return outcomes.every((o) => o.ok) ? 0 : 1;
  }
  if (command === 'images') {
    const images = await currentImages(ecs, ecr, json<Targets>(values.targets, 'targets'));
    for (const [name, image] of Object.entries(images))
      log(`${name}: ${image.repository}:${image.tag} ${image.digest}`);
    output('images', images);
    return 0;
  }
  throw new UsageError(USAGE);
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

if (process.argv[1] === import.meta.filename) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${describe(err)}\n`);
      const usage = err instanceof UsageError || String((err as { code?: string }).code).startsWith('ERR_PARSE_ARGS');
      process.exit(usage ? 2 : 1);
    },
  );
}
