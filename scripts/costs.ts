/**
 * The monthly cost of every environment, computed from its tfvars (scripts/lib/costs.ts).
 *
 *   npm run costs                 prints each environment's line items
 *   npm run costs -- --write      writes docs/COSTS.md and the totals in infra/terraform/README.md
 *   npm run costs -- --check      fails when either is stale (infra/terraform/check.sh runs it)
 *   npm run costs -- --json       the estimates as JSON
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type Estimate,
  environments,
  estimate,
  loadProfile,
  PRICES,
  PRICES_DATE,
  type Profile,
  tfvarsPath,
  USAGE,
} from './lib/costs.ts';
import { isMain } from './lib/main.ts';

export const root = join(import.meta.dirname, '..');
export const terraformDir = join(root, 'infra', 'terraform');
const COSTS_MD = join(root, 'docs', 'COSTS.md');
const README = join(terraformDir, 'README.md');
const BEGIN = '<!-- BEGIN_COSTS: written by npm run costs (scripts/costs.ts) -->';
const END = '<!-- END_COSTS -->';

const usd = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));

/** What costs the same whether anything runs or not: what is left when no task runs all month. */
function floor(e: Estimate): number {
  return estimate({ ...e.profile, schedule: { start: 'cron(0 0 ? * MON *)', stop: 'cron(0 0 ? * MON *)' } }).total;
}

function summaryRow(e: Estimate): string {
  const p = e.profile;
  const tasks = Object.values(p.services).reduce((n, s) => n + s.desired_count, 0);
  const what = [
    `${tasks} tasks${p.fargate_capacity === 'SPOT' ? ' on Spot' : p.fargate_capacity === 'MIXED' ? ' (mixed Spot)' : ''}${p.cpu_architecture === 'ARM64' ? ' ARM64' : ''}`,
    `${p.docdb_instance_count} x ${p.docdb_instance_class}`,
    p.broker === 'ecs'
      ? 'RabbitMQ on ECS'
      : p.mq_deployment_mode === 'CLUSTER_MULTI_AZ'
        ? `3 x ${p.mq_instance_type}`
        : p.mq_instance_type,
    p.endpoints_in_one_zone ? 'endpoints in 1 zone' : `endpoints in ${p.az_count} zones`,
    p.schedule ? `${Math.round(e.hoursOn)} h a month (working hours)` : 'always on',
  ].join(', ');
  return `| [${p.environment}](#${p.environment}) | **${usd(e.total)}** | ${usd(floor(e))} | ${what} |`;
}

function table(e: Estimate): string[] {
  return [
    `### ${e.profile.environment}`,
    '',
    `\`infra/terraform/${tfvarsPath(terraformDir, e.profile.environment)}\`${e.profile.schedule ? `, working hours ${e.profile.schedule.start} to ${e.profile.schedule.stop} (${e.profile.schedule.timezone ?? 'UTC'})` : ''}.`,
    '',
    '| Item | What | USD / month |',
    '| --- | --- | ---: |',
    ...e.items.map((i) => `| ${i.item} | ${i.detail} | ${i.usd.toFixed(2)} |`),
    `| **Total** | | **${e.total.toFixed(2)}** |`,
    '',
  ];
}

/** How much one change to a profile moves its total: the levers, computed, not guessed. */
function lever(e: Estimate, change: Partial<Profile>): number {
  return Math.round((estimate({ ...e.profile, ...change }).total - e.total) * 100) / 100;
}

function levers(all: Estimate[]): string[] {
  const lines: string[] = [];
  const production = all.find((e) => e.profile.environment === 'production');
  const dev = all.find((e) => e.profile.environment === 'dev');
  if (production) {
    const p = production.profile;
    lines.push(
      `- **DocumentDB** is the largest line of production: each \`${p.docdb_instance_class}\` instance is ${usd(lever(production, { docdb_instance_count: p.docdb_instance_count + 1 }))} a month more.`,
      `- **Interface endpoints** cost per zone: a third availability zone adds ${usd(lever(production, { az_count: 3 }))} to production (\`az_count = 3\`); \`enable_ecs_exec\` adds ${usd(lever(production, { enable_ecs_exec: true }))} (two endpoints) and \`tracing\` ${usd(lever(production, { tracing: true }))} (the X-Ray endpoint) in two zones. No NAT gateway saves about 35 USD per zone and month plus 0.048 per GB; the endpoints keep every AWS call inside the VPC.`,
      `- **Graviton** (\`cpu_architecture = "ARM64"\`): ${usd(-lever(production, { cpu_architecture: 'ARM64' }))} less on production's tasks. **Fargate Spot** (x86 only) for non-production: \`fargate_capacity = "SPOT"\` takes about 70% off the tasks.`,
      `- **Container Insights** on production: ${usd(-lever(production, { container_insights: 'disabled' }))} a month (\`container_insights = "disabled"\`).`,
      `- **The edge firewall** (AWS WAF, \`waf\`): ${usd(-lever(production, { waf: false }))} a month; \`waf = null\` goes without it (the dev profile does).`,
    );
  }
  if (dev) {
    const oneMoreHour = estimate({
      ...dev.profile,
      schedule: dev.profile.schedule && {
        ...dev.profile.schedule,
        stop: dev.profile.schedule.stop.replace(/^cron\((\d+) (\d+)/, (_m, mi, hr) => `cron(${mi} ${Number(hr) + 1}`),
      },
    });
    lines.push(
      `- **Working hours** (\`schedule\`, dev): each daily hour more, Monday to Friday, is ${usd(Math.round((oneMoreHour.total - dev.total) * 100) / 100)} a month; always on, dev would cost ${usd(estimate({ ...dev.profile, schedule: null }).total)}. What runs all month regardless (the load balancer, ${dev.profile.broker === 'ecs' ? "the broker's storage and DNS zone" : 'the broker'}, the endpoints, the key and secrets, the alarms) is dev's floor: ${usd(floor(dev))}.`,
    );
  }
  return lines;
}

/** What dev cannot shed, and what it comes to: computed, so that it stays true when prices move. */
function devFloorNote(all: Estimate[]): string {
  const dev = all.find((e) => e.profile.environment === 'dev');
  if (!dev) return '';
  const broker =
    dev.profile.broker === 'ecs' ? "the broker's file system and DNS zone" : 'the broker (Amazon MQ cannot be stopped)';
  const amazonMq = estimate({ ...dev.profile, broker: 'amazon-mq' }).total;
  const brokerNote =
    dev.profile.broker === 'ecs'
      ? ` With Amazon MQ instead of the ECS broker (\`broker = "amazon-mq"\`) it would cost ${usd(amazonMq)}, floor ${usd(floor(estimate({ ...dev.profile, broker: 'amazon-mq' })))}.`
      : '';
  return `What it cannot shed while staying private is its floor, ${usd(floor(dev))} USD a month: the load balancer (CloudFront's VPC origin needs one), ${broker}, the four endpoints, the key and secrets, the alarms. With its working hours dev comes to ${usd(dev.total)}${dev.total > 100 ? ', above 100: the levers left are fewer working hours (each daily hour is in the levers above) and the alarms (the dev profile keeps them: it is where rollbacks on alarms get tried)' : ''}.${brokerNote}`;
}

export function costsMarkdown(all: Estimate[]): string {
  const p = PRICES;
  return [
    '# What it costs',
    '',
    '<!-- Written by `npm run costs -- --write` (scripts/costs.ts, scripts/lib/costs.ts) from infra/terraform: do not edit; `npm run costs -- --check` fails when it is stale. -->',
    '',
    `Monthly cost of each environment, **computed from its tfvars**: the defaults of \`infra/terraform/variables.tf\`, the services' sizes and counts in \`services.auto.tfvars.json\` (their manifests) and \`environments/<env>.tfvars\`. Change a count, a class or a schedule there and \`npm run costs -- --write\` updates every figure here and in infra/terraform/README.md; no figure is typed by hand. Region eu-west-1 (Ireland), on-demand list prices in USD before tax, savings plans and data transfer beyond the free tiers; 730 hours a month.`,
    '',
    '| Environment | USD / month | With no task running (the floor) | What |',
    '| --- | ---: | ---: | --- |',
    ...all.map(summaryRow),
    '',
    'A domain (`domain`) adds 0.50 for its Route 53 zone. The bootstrap (state bucket, GitHub roles, its key) costs about 1 USD a month per account.',
    '',
    '## The levers',
    '',
    ...levers(all),
    '',
    '## The dev profile',
    '',
    "`profiles/dev.tfvars` is the cheapest environment that stays private and secure: no public address anywhere, no NAT gateway, TLS and encryption as everywhere else, the same roles and boundary. It is a profile, not one of the environments the workflows plan and deploy: to run it, copy `profiles/dev.*` into `environments/` and add `dev` to bootstrap's `environments` (docs/ENVIRONMENTS.md, adding an environment). What it changes, and why it is safe for development:",
    '',
    '- **One task per service on Fargate Spot** (`fargate_capacity = "SPOT"`; Spot runs x86 tasks only). A reclaimed task is replaced within a minute or two; the services reconnect and the outbox publishes what waited.',
    '- **Working hours** (`schedule`): outside them every service scales to zero (Application Auto Scaling scheduled actions) and DocumentDB is stopped (EventBridge Scheduler, with a role that may stop and start that cluster only). At start the tasks come back and reconnect once DocumentDB is up, a few minutes later. An apply at night scales the services up until the next stop; AWS starts a cluster stopped for 7 days by itself, and the next stop stops it again.',
    "- **DocumentDB's smallest Graviton instance, one** (`db.t4g.medium`; the data is still stored in three zones). Elastic clusters are not used: their admin password is a plain Terraform argument, which would put it in the main state that pull-request plans read.",
    "- **One zone for the interface endpoints** (`endpoints_in_one_zone`): an endpoint bills per zone-hour. The subnets stay in two zones, because an application load balancer and a DocumentDB subnet group both need two; the other zone's tasks reach the endpoints across zones (0.01 USD/GB). None of the four endpoints can go: ecr.api and ecr.dkr pull the images, logs takes the tasks' logs (the awslogs driver creates the stream before the container starts), secretsmanager serves the secrets ECS injects and the database password the services read; without a NAT gateway nothing else reaches AWS. ECS Exec's two and tracing's one stay off.",
    '- **RabbitMQ as an ECS service** (`broker = "ecs"`) instead of Amazon MQ, which bills every hour of the month: one task of the same 3.13 line (the Docker official image, pulled through an ECR cache of ECR Public: the tasks have no internet), on Fargate Spot, started before the services and stopped after them. Its data directory is on EFS (encrypted with the stack\'s key, IAM-authorized through one access point, TLS to the mount), so queues and persistent messages survive a Spot reclaim and the night; the node name is fixed and the deployment never runs two brokers on it. The services find it as `broker.<prefix>.internal` (Cloud Map) and connect with plain AMQP inside the VPC, from their security group only, the way CloudFront\'s VPC origin reaches the load balancer over HTTP. Its password is written write-only by the credentials stack (in no state). Two alarms replace Amazon MQ\'s: its memory, and no broker task while services run. Not for production: one node, RabbitMQ on NFS, no TLS on the broker hop (docs/ENVIRONMENTS.md, "The ECS broker").',
    '- **No Container Insights, no edge firewall** (`waf = null`: the services still refuse floods and password guessing themselves), logs kept a week, nothing protected from `terraform destroy`, secrets deleted at once on destroy.',
    '',
    devFloorNote(all),
    '',
    '## Per environment',
    '',
    ...all.flatMap(table),
    '## Prices and assumptions',
    '',
    `Prices (table dated ${PRICES_DATE}, \`PRICES\` in scripts/lib/costs.ts, with its sources): Fargate x86 ${p.fargate.X86_64.vcpuHour}/vCPU-hour and ${p.fargate.X86_64.gbHour}/GB-hour, ARM64 ${p.fargate.ARM64.vcpuHour} and ${p.fargate.ARM64.gbHour}, Spot ${p.fargate.spotDiscount * 100}% off (its price floats); load balancer ${p.alb.hour}/hour and ${p.alb.lcuHour}/LCU-hour; DocumentDB ${Object.entries(
      p.documentdb.instanceHour,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}/hour, storage ${p.documentdb.storageGbMonth}/GB-month, I/O ${p.documentdb.ioPerMillion}/million; Amazon MQ ${Object.entries(
      p.mq.instanceHour,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}/hour, storage ${p.mq.storageGbMonth}/GB-month; interface endpoints ${p.endpoint.zoneHour}/zone-hour and ${p.endpoint.perGb}/GB; CloudWatch Logs ${p.cloudwatch.logsIngestPerGb}/GB ingested and ${p.cloudwatch.logsStoredGbMonth}/GB-month stored, ${p.cloudwatch.metricMonth} per custom metric-month, ${p.cloudwatch.alarmMetricMonth} per alarm metric-month, ${p.cloudwatch.dashboardMonth} per dashboard-month; KMS ${p.kmsKeyMonth}/key-month, Secrets Manager ${p.secretMonth}/secret-month, ECR ${p.ecrGbMonth}/GB-month; EFS ${p.efs.storageGbMonth}/GB-month, Cloud Map ${p.cloudMapInstanceMonth} per registered instance-month, a Route 53 hosted zone ${p.route53ZoneMonth}/month. The table was compiled without access to the price list API: check it against the AWS Pricing Calculator before relying on a figure.`,
    '',
    `Usage (\`USAGE\`): a light load: one load balancer capacity unit per ${USAGE.tasksPerLcu} running tasks, ${USAGE.logMbPerTaskHour} MB of logs and ${USAGE.ioPerTaskHour.toLocaleString('en-US')} DocumentDB I/Os per task-hour, ${USAGE.documentdbStorageGb} GB of data (${USAGE.ecsBrokerDataGb} GB in the ECS broker's data directory); tasks at their minimum count (\`desired_count\`: autoscaling adds tasks, and cost, under load); the services' ${USAGE.emfMetricsPerService} metrics each (${USAGE.emfSagaMetrics} more for shopping's saga), ${USAGE.containerInsightsMetricsPerService} Container Insights metrics per service; CloudFront and X-Ray within their free tiers. Not counted: DocumentDB CPU credits beyond a T instance's baseline (0.09 USD per vCPU-hour in eu-west-1) and data transfer out beyond CloudFront's free tier.`,
    '',
  ].join('\n');
}

export function readmeBlock(all: Estimate[]): string {
  return [
    BEGIN,
    '| Environment | USD / month |',
    '| --- | ---: |',
    ...all.map((e) => `| \`${tfvarsPath(terraformDir, e.profile.environment)}\` | ${usd(e.total)} |`),
    END,
  ].join('\n');
}

export function estimates(dir = terraformDir): Estimate[] {
  return environments(dir).map((env) => estimate(loadProfile(dir, env)));
}

/** The files `--write` writes, as they should be: path => content. */
export function expectedFiles(all = estimates()): Record<string, string> {
  const readme = readFileSync(README, 'utf8');
  const from = readme.indexOf(BEGIN);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${README} lacks the ${BEGIN} ... ${END} markers`);
  return {
    [COSTS_MD]: costsMarkdown(all),
    [README]: `${readme.slice(0, from)}${readmeBlock(all)}${readme.slice(to + END.length)}`,
  };
}

if (isMain(import.meta)) {
  const { values } = parseArgs({
    options: { write: { type: 'boolean' }, check: { type: 'boolean' }, json: { type: 'boolean' } },
  });
  const all = estimates();
  if (values.json) process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
  else if (values.write || values.check) {
    const stale: string[] = [];
    for (const [path, content] of Object.entries(expectedFiles(all))) {
      let current = '';
      try {
        current = readFileSync(path, 'utf8');
      } catch {}
      if (current === content) continue;
      if (values.write) writeFileSync(path, content);
      stale.push(path.slice(root.length + 1));
    }
    if (values.check && stale.length > 0) {
      process.stderr.write(`stale cost figures in ${stale.join(', ')}: run npm run costs -- --write\n`);
      process.exit(1);
    }
    process.stdout.write(
      values.write ? `wrote ${stale.join(', ') || 'nothing (up to date)'}\n` : 'cost figures up to date\n',
    );
  } else {
    for (const e of all) {
      process.stdout.write(`\n${e.profile.environment}: ${e.total.toFixed(2)} USD a month\n`);
      for (const i of e.items)
        process.stdout.write(`  ${i.item.padEnd(34)} ${i.usd.toFixed(2).padStart(8)}  ${i.detail}\n`);
    }
  }
}
