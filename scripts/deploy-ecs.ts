/**
 * Deploys a new image to one ECS service and follows the rollout.
 *
 *   node scripts/deploy-ecs.ts --cluster C --service S (--image URI | --keep-image) [--container NAME]
 *     [--timeout 900] [--poll-interval 10] [--rollback-on-timeout] [--dry-run] [--no-wait]
 *     [--during-bake COMMAND] [--switch-to-rolling] [--region R] [--endpoint URL]
 *
 * --keep-image redeploys the image the service runs now on the family's latest revision: how
 * configuration changes Terraform registered (environment, secrets, sizes) reach a service.
 * The service's deploy:strategy tag (infra/terraform: the services map's deploy_strategy) decides
 * rolling or blue/green; a blue/green deployment is checked through the load balancer's test
 * listener before production traffic moves, and --during-bake runs COMMAND (e.g. the smoke flow)
 * while the old revision still runs: non-zero rolls back (scripts/lib/ecs-blue-green.ts).
 * --switch-to-rolling takes a blue/green service whose tag now says ROLLING back to rolling
 * deployments (check first that production traffic is on its primary target group).
 *
 * Exit codes: 0 deployed (or dry run), 1 failed / rolled back / timed out, 2 usage error.
 * Writes a summary to $GITHUB_STEP_SUMMARY when that is set. See scripts/lib/ecs-deploy.ts.
 */
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ECSClient } from '@aws-sdk/client-ecs';
import { DeployError, deployService, summaryMarkdown } from './lib/ecs-deploy.ts';

const usage =
  'usage: deploy-ecs --cluster C --service S (--image URI | --keep-image) [--container NAME] [--timeout SECONDS] [--poll-interval SECONDS] [--rollback-on-timeout] [--dry-run] [--no-wait] [--during-bake COMMAND] [--switch-to-rolling] [--region R] [--endpoint URL]';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      cluster: { type: 'string' },
      service: { type: 'string' },
      image: { type: 'string' },
      'keep-image': { type: 'boolean', default: false },
      container: { type: 'string' },
      timeout: { type: 'string', default: '900' },
      'poll-interval': { type: 'string', default: '10' },
      'rollback-on-timeout': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      'no-wait': { type: 'boolean', default: false },
      'during-bake': { type: 'string' },
      'switch-to-rolling': { type: 'boolean', default: false },
      region: { type: 'string' },
      endpoint: { type: 'string' },
    },
  }).values;
}
try {
  args = parse();
} catch (err) {
  fail(`${err instanceof Error ? err.message : String(err)}\n${usage}`, 2);
}
const { cluster, service, image } = args;
const timeout = Number(args.timeout);
const poll = Number(args['poll-interval']);
if (!cluster || !service || Boolean(image) === args['keep-image']) {
  fail(`--cluster, --service and one of --image or --keep-image are required\n${usage}`, 2);
}
if (image && !/^[\w.-]+(:\d+)?(\/[\w.-]+)+(:[\w.-]+|@sha256:[a-f0-9]{64})$/.test(image)) {
  fail(`--image must be a full image reference with a tag or digest, got ${image}`, 2);
}
if (!(timeout > 0) || !(poll > 0))
  fail(`--timeout and --poll-interval must be positive numbers of seconds\n${usage}`, 2);

const ecs = new ECSClient({
  ...(args.region && { region: args.region }),
  ...(args.endpoint && { endpoint: args.endpoint }),
});
const options = {
  cluster,
  service,
  image,
  container: args.container,
  timeoutMs: timeout * 1000,
  pollMs: poll * 1000,
  rollbackOnTimeout: args['rollback-on-timeout'],
  dryRun: args['dry-run'],
  noWait: args['no-wait'],
  duringBake: args['during-bake'],
  switchToRolling: args['switch-to-rolling'],
};

try {
  const result = await deployService(options, { ecs, log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(`${service}: ${result.ok ? 'OK' : 'FAILED'}: ${result.reason}\n`);
  if (process.env.GITHUB_STEP_SUMMARY)
    appendFileSync(process.env.GITHUB_STEP_SUMMARY, summaryMarkdown(options, result));
  process.exit(result.ok ? 0 : 1);
} catch (err) {
  const message =
    err instanceof DeployError
      ? err.message
      : `${err instanceof Error ? err.name : 'Error'}: ${err instanceof Error ? err.message : String(err)}`;
  if (process.env.GITHUB_STEP_SUMMARY)
    appendFileSync(process.env.GITHUB_STEP_SUMMARY, `### ECS deploy ${service}: FAILED\n\n${message}\n`);
  fail(`${service}: FAILED: ${message}`, 1);
}
