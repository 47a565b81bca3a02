/**
 * ECS-native blue/green deployments, as scripts/lib/ecs-deploy.ts runs them for a service whose
 * deploy:strategy tag says BLUE_GREEN (infra/terraform/modules/ecs sets the deploy:* tags: AWS
 * provider 5.100 has no argument for the strategy, so the script applies it at every deploy).
 *
 * What happens, stage by stage (docs/OBSERVABILITY.md, "Blue/green deployments"):
 * 1. UpdateService with the new revision, strategy BLUE_GREEN, the bake time, the alternate target
 *    group, both listener rules and ECS's load balancer role, and a PAUSE lifecycle hook at
 *    POST_TEST_TRAFFIC_SHIFT (timing out into a rollback, should this script die).
 * 2. ECS starts the green revision beside the blue one and moves the test listener's rule to it.
 * 3. Paused there, the script runs the check task: the new revision's image in the service's own
 *    subnets and security group, calling the green revision through the load balancer's internal
 *    test listener (health, readiness, the OpenAPI document). It passes: CONTINUE; it fails:
 *    ROLLBACK, before any production request reached green.
 * 4. ECS moves production traffic at once; during the bake time the blue revision keeps running
 *    and a rollback is instant: the service's alarms (ECS rolls back on them) and, when given, the
 *    --during-bake command (the smoke flow: it fails, the script stops the deployment with a
 *    rollback).
 * 5. CLEAN_UP stops blue; the service deployment is SUCCESSFUL.
 */
import { spawn } from 'node:child_process';
import {
  ContinueServiceDeploymentCommand,
  type DeploymentConfiguration,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListServiceDeploymentsCommand,
  RunTaskCommand,
  type Service,
  type ServiceDeployment,
  StopServiceDeploymentCommand,
  type Tag,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { registeredServices } from '../../services/shared/src/topology.ts';
// A cycle: ecs-deploy.ts hands blue/green services to this module; DeployError is only used when
// these functions run, long after both modules loaded.
import {
  type DeployDeps,
  DeployError,
  type DeployOutcome,
  type DeployResult,
  type RollOutOptions,
} from './ecs-deploy.ts';

export type Strategy = 'ROLLING' | 'BLUE_GREEN';

/** What the service's deploy:* tags say (Terraform's services map, per service). */
export interface DeploySettings {
  strategy: Strategy;
  bakeMinutes: number;
  alternateTargetGroup?: string | undefined;
  productionRule?: string | undefined;
  testRule?: string | undefined;
  role?: string | undefined;
  testUrl?: string | undefined;
}

/** The deploy settings from a service's tags; a service without them deploys rolling. */
export function deploySettingsOf(tags: Tag[] | undefined): DeploySettings {
  const tag = (key: string) => tags?.find((t) => t.key === `deploy:${key}`)?.value;
  const strategy = tag('strategy') ?? 'ROLLING';
  if (strategy !== 'ROLLING' && strategy !== 'BLUE_GREEN') {
    throw new DeployError(`the service's deploy:strategy tag is ${strategy}; ROLLING or BLUE_GREEN expected`);
  }
  const bake = Number(tag('bake-minutes') ?? 5);
  const settings: DeploySettings = {
    strategy,
    bakeMinutes: Number.isInteger(bake) && bake >= 0 ? bake : 5,
    alternateTargetGroup: tag('alternate-target-group'),
    productionRule: tag('production-rule'),
    testRule: tag('test-rule'),
    role: tag('role'),
    testUrl: tag('test-url'),
  };
  if (strategy === 'BLUE_GREEN') {
    const missing = (['alternateTargetGroup', 'productionRule', 'testRule', 'role', 'testUrl'] as const).filter(
      (k) => !settings[k],
    );
    if (missing.length > 0) {
      throw new DeployError(
        `deploy:strategy is BLUE_GREEN but the service lacks ${missing.join(', ')} in its deploy:* tags: apply infra/terraform first`,
      );
    }
  }
  return settings;
}

/**
 * The check task's program (node -e, in the service's own image: it has node and nothing else):
 * GET <test URL>/health (200, this service), /ready (200) and /openapi.json (200, an OpenAPI 3
 * document) through the test listener, each tried up to 3 times; one JSON line per answer. Then,
 * with GREEN_CHECK_FLOW=order (the platform's three services are there), the smoke flow's core
 * through the same listener, whose rules send this service's paths to green and the others' to
 * production: an admin (a token the task signs itself: it holds the service's JWT_SECRET and
 * ADMIN_EMAILS, so no password ever reaches a task) creates a product with one in stock, a new
 * customer puts it in the cart and orders it, the order must be CONFIRMED and the stock 0. Exit 0
 * when all passed. It must stay within ECS's 8 KB of container overrides (a test checks).
 */
export const GREEN_CHECK_PROGRAM = `
const base = process.env.GREEN_CHECK_URL;
const service = process.env.SERVICE_NAME;
const id = process.env.GREEN_CHECK_ID;
const checks = [
  ['health', (b) => b?.status === 'ok' && b?.service === service],
  ['ready', () => true],
  ['openapi.json', (b) => typeof b?.openapi === 'string' && b.openapi.startsWith('3.')],
];
let failed = 0;
for (const [path, valid] of checks) {
  let line = { path, pass: false };
  for (let attempt = 1; attempt <= 3 && !line.pass; attempt++) {
    try {
      const res = await fetch(base + '/' + path, { headers: { 'x-request-id': id + '-' + path }, signal: AbortSignal.timeout(5000) });
      const body = await res.json().catch(() => undefined);
      line = { path, status: res.status, pass: res.status === 200 && valid(body), attempt };
    } catch (err) {
      line = { path, error: String(err?.message ?? err), pass: false, attempt };
    }
    if (!line.pass && attempt < 3) await new Promise((r) => setTimeout(r, 2000));
  }
  console.log(JSON.stringify({ msg: 'green check', service, url: base + '/' + path, ...line }));
  if (!line.pass) failed++;
}
if (failed === 0 && process.env.GREEN_CHECK_FLOW === 'order') {
  const { createHash, createHmac, randomUUID } = await import('node:crypto');
  const root = new URL(base).origin;
  const secret = process.env.JWT_SECRET ?? '';
  const admin = (process.env.ADMIN_EMAILS ?? '').split(',')[0]?.trim();
  const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  let step = 'order flow';
  const call = async (method, path, body, token, headers = {}) => {
    const res = await fetch(root + path, {
      method,
      headers: { 'content-type': 'application/json', 'x-request-id': id + '-flow', ...(token && { authorization: 'Bearer ' + token }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10000),
    });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  };
  const until = async (what, probe) => {
    step = what;
    for (const end = Date.now() + 30000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
      const value = await probe();
      if (value !== undefined) return value;
    }
    throw new Error(what + ': not within 30 s');
  };
  const expect = (res, status, what) => {
    step = what;
    if (res.status !== status) throw new Error(what + ': ' + res.status + ' ' + JSON.stringify(res.body));
    return res.body;
  };
  try {
    if (!secret || !admin) throw new Error('the task has no JWT_SECRET or ADMIN_EMAILS to act as an admin with');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = b64({ alg: 'HS256', typ: 'JWT', kid: createHash('sha256').update(secret).digest('hex').slice(0, 16) }) + '.' + b64({ sub: randomUUID(), email: admin, role: 'admin', iat: now, exp: now + 300 });
    const adminToken = unsigned + '.' + createHmac('sha256', secret).update(unsigned).digest('base64url');
    const product = expect(await call('POST', '/products', { name: 'Deploy check ' + id, category: 'deploy-check', unit: 'piece', priceCents: 100, stock: 1 }, adminToken), 201, 'create a product');
    const buyer = expect(await call('POST', '/customer/signup', { email: id.toLowerCase() + '@example.com', password: randomUUID() }), 201, 'sign a customer up').token;
    await until('the product in the cart', async () => ((await call('PUT', '/shopping/cart/items/' + product.id, { qty: 1 }, buyer)).status === 200 ? true : undefined));
    const order = await until('the order placed', async () => {
      const res = await call('POST', '/shopping/orders', undefined, buyer, { 'idempotency-key': id });
      if (res.status === 202) return res.body;
      if (res.status !== 503) expect(res, 202, 'the order placed');
    });
    const status = await until('the order settled', async () => {
      const s = (await call('GET', '/shopping/orders/' + order.orderId, undefined, buyer)).body?.status;
      return s && s !== 'PENDING' ? s : undefined;
    });
    if (status !== 'CONFIRMED') throw new Error('the order is ' + status + ', not CONFIRMED');
    const stock = expect(await call('GET', '/products/' + product.id), 200, 'the stock read').stock;
    if (stock !== 0) throw new Error('stock ' + stock + ' after the order, not 0');
    console.log(JSON.stringify({ msg: 'green check', service, flow: 'order', pass: true, order: order.orderId }));
  } catch (err) {
    failed++;
    console.log(JSON.stringify({ msg: 'green check', service, flow: 'order', pass: false, step, error: String(err?.message ?? err) }));
  }
}
process.exit(failed === 0 ? 0 : 1);
`.trim();

/** The services the check's order flow goes through (scripts/smoke.ts's flow): it runs when all are there. */
const ORDER_FLOW_SERVICES = ['customer', 'products', 'shopping'];

export interface BlueGreenOptions extends RollOutOptions {
  settings: DeploySettings;
  current: Service;
  /** How long the pre-switch check may take before the script rolls back. */
  checkTimeoutMs?: number;
  /** A command run once the bake time starts (the smoke flow): non-zero rolls the deployment back. */
  duringBake?: string | undefined;
  /** Minutes ECS waits at the paused hook before it rolls back by itself (the script died). */
  hookTimeoutMinutes?: number;
}

/** UpdateService's blue/green part: the service's deployment configuration with the strategy, the
 * bake time and the paused hook; its load balancer with the alternate target group, the rules and
 * ECS's role. */
export function blueGreenUpdate(service: Service, settings: DeploySettings, hookTimeoutMinutes: number) {
  const current: DeploymentConfiguration = service.deploymentConfiguration ?? {};
  const deploymentConfiguration: DeploymentConfiguration = {
    ...current,
    strategy: 'BLUE_GREEN',
    bakeTimeInMinutes: settings.bakeMinutes,
    lifecycleHooks: [
      {
        targetType: 'PAUSE',
        lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
        timeoutConfiguration: { timeoutInMinutes: hookTimeoutMinutes, action: 'ROLLBACK' },
      },
    ],
  };
  const loadBalancers = (service.loadBalancers ?? []).map((lb) => ({
    ...lb,
    advancedConfiguration: {
      alternateTargetGroupArn: settings.alternateTargetGroup,
      productionListenerRule: settings.productionRule,
      testListenerRule: settings.testRule,
      roleArn: settings.role,
    },
  }));
  if (loadBalancers.length !== 1) {
    throw new DeployError(
      `a blue/green service needs exactly one load balancer target, ${service.serviceName} has ${loadBalancers.length}`,
    );
  }
  return { deploymentConfiguration, loadBalancers };
}

const FINAL = new Set(['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']);

/**
 * Starts a blue/green deployment of `o.taskDefinition` and follows it to its end: stage by stage,
 * the pre-switch check at the paused hook, the bake, rollbacks (ECS's, on an alarm; the script's,
 * on a failed check, a failed --during-bake command or, with rollbackOnTimeout, the deadline).
 */
export async function rollOutBlueGreen(
  o: BlueGreenOptions,
  d: DeployDeps,
  news: (service: Service) => Promise<void>,
  result: (outcome: DeployOutcome, reason: string, extra?: Partial<DeployResult>) => DeployResult,
): Promise<DeployResult> {
  const now = d.now ?? Date.now;
  const sleep = d.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const stages: string[] = [];
  const extra = () => ({ strategy: 'BLUE_GREEN' as const, stages: [...stages] });
  const hookTimeoutMinutes = o.hookTimeoutMinutes ?? 30;
  const started = now();
  const { deploymentConfiguration, loadBalancers } = blueGreenUpdate(o.current, o.settings, hookTimeoutMinutes);

  await d.ecs.send(
    new UpdateServiceCommand({
      cluster: o.cluster,
      service: o.service,
      taskDefinition: o.taskDefinition,
      deploymentConfiguration,
      loadBalancers,
      ...(o.forceNewDeployment && { forceNewDeployment: true }),
    }),
  );
  d.log(
    `${o.service}: blue/green deployment started (bake ${o.settings.bakeMinutes} min; check through ${o.settings.testUrl}), deadline ${Math.round(o.timeoutMs / 1000)} s`,
  );
  if (o.noWait) return result('submitted', 'blue/green deployment started (not followed)', extra());

  const deadline = started + o.timeoutMs;
  let arn: string | undefined;
  let stage: string | undefined;
  let checked: string | undefined;
  let baked = false;
  let stopping: string | undefined;
  for (;;) {
    const service = await describe(d, o);
    await news(service);
    arn ??= await latestDeployment(d, o, started);
    const deployment = arn ? await describeDeployment(d, o, arn) : undefined;
    if (deployment) {
      if (deployment.lifecycleStage && deployment.lifecycleStage !== stage) {
        stage = deployment.lifecycleStage;
        stages.push(stage);
        d.log(`${o.service}: stage ${stage}${stageNote(stage, o.settings)}`);
      }
      const status = deployment.status ?? 'PENDING';
      if (FINAL.has(status)) return finalResult(deployment, checked, stopping, result, extra());

      const paused = deployment.lifecycleHookDetails?.find((h) => h.status === 'AWAITING_ACTION');
      if (paused?.hookId && stage === 'POST_TEST_TRAFFIC_SHIFT' && checked === undefined && arn) {
        const check = await greenCheck(d, o, deployment);
        checked = check.summary;
        d.log(`${o.service}: pre-switch check ${check.ok ? 'passed' : 'FAILED'}: ${check.summary}`);
        if (!check.ok) stopping = `the pre-switch check failed (${check.summary})`;
        await d.ecs.send(
          new ContinueServiceDeploymentCommand({
            serviceDeploymentArn: arn,
            hookId: paused.hookId,
            action: check.ok ? 'CONTINUE' : 'ROLLBACK',
          }),
        );
        d.log(
          `${o.service}: ${check.ok ? 'continued: production traffic moves to green' : 'rolled back: no production request reached green'}`,
        );
        continue;
      }
      if (stage === 'BAKE_TIME' && !baked && o.duringBake && arn) {
        baked = true;
        d.log(`${o.service}: during the bake: ${o.duringBake}`);
        const code = await runCommand(o.duringBake, d.log);
        if (code !== 0) {
          stopping = `the --during-bake command exited ${code}`;
          d.log(`${o.service}: ${stopping}: rolling back to blue (still running)`);
          await d.ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }));
        } else d.log(`${o.service}: the --during-bake command passed`);
        continue;
      }
    }
    if (now() >= deadline) {
      const state = deployment ? `${deployment.status}, stage ${deployment.lifecycleStage ?? '-'}` : 'not listed';
      if (o.rollbackOnTimeout && arn && !stopping) {
        await d.ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }));
        d.log(`${o.service}: deadline passed; rollback requested`);
        return result(
          'timed-out',
          `not completed after ${Math.round(o.timeoutMs / 1000)} s (${state}); rollback to the blue revision requested`,
          extra(),
        );
      }
      return result('timed-out', `not completed after ${Math.round(o.timeoutMs / 1000)} s (${state})`, extra());
    }
    await sleep(o.pollMs);
  }
}

function stageNote(stage: string, s: DeploySettings): string {
  switch (stage) {
    case 'SCALE_UP':
      return ': starting the green revision beside the blue one';
    case 'TEST_TRAFFIC_SHIFT':
      return ': the test listener moves to green';
    case 'POST_TEST_TRAFFIC_SHIFT':
      return ': paused for the pre-switch check';
    case 'PRODUCTION_TRAFFIC_SHIFT':
      return ': production traffic moves to green';
    case 'BAKE_TIME':
      return `: ${s.bakeMinutes} min with blue still running (a rollback is instant)`;
    case 'CLEAN_UP':
      return ': stopping the blue revision';
    default:
      return '';
  }
}

function finalResult(
  deployment: ServiceDeployment,
  checked: string | undefined,
  stopping: string | undefined,
  result: (outcome: DeployOutcome, reason: string, extra?: Partial<DeployResult>) => DeployResult,
  extra: Partial<DeployResult>,
): DeployResult {
  const status = deployment.status ?? '';
  const target = deployment.targetServiceRevision;
  const alarms = deployment.alarms?.triggeredAlarmNames ?? [];
  if (status === 'SUCCESSFUL') {
    return result(
      'deployed',
      `blue/green: ${target?.runningTaskCount ?? '?'}/${target?.requestedTaskCount ?? '?'} tasks of the green revision serve production${checked ? `; pre-switch check: ${checked}` : ''}`,
      extra,
    );
  }
  const why =
    stopping ??
    (alarms.length > 0 ? `alarm ${alarms.join(', ')} went off` : undefined) ??
    deployment.rollback?.reason ??
    deployment.statusReason ??
    'no reason given';
  if (status === 'ROLLBACK_SUCCESSFUL') return result('rolled-back', `rolled back to the blue revision: ${why}`, extra);
  if (status === 'ROLLBACK_FAILED') return result('failed', `the rollback failed: ${why}`, extra);
  return result('failed', `the deployment stopped: ${why}`, extra);
}

async function describe(d: DeployDeps, o: BlueGreenOptions): Promise<Service> {
  const out = await d.ecs.send(new DescribeServicesCommand({ cluster: o.cluster, services: [o.service] }));
  const service = out.services?.[0];
  if (!service) throw new DeployError(`service ${o.service} in cluster ${o.cluster}: not found`);
  return service;
}

/** The newest service deployment created since the update (ECS lists them newest first). */
async function latestDeployment(d: DeployDeps, o: BlueGreenOptions, since: number): Promise<string | undefined> {
  const out = await d.ecs.send(
    new ListServiceDeploymentsCommand({
      cluster: o.cluster,
      service: o.service,
      createdAt: { after: new Date(since - 60_000) },
    }),
  );
  const newest = [...(out.serviceDeployments ?? [])].sort(
    (a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0),
  )[0];
  return newest?.serviceDeploymentArn;
}

async function describeDeployment(d: DeployDeps, o: BlueGreenOptions, arn: string) {
  const out = await d.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
  const found = out.serviceDeployments?.[0];
  if (!found) d.log(`${o.service}: service deployment ${arn} not described yet`);
  return found;
}

/**
 * The pre-switch check: one task of the new revision, in the service's subnets and security
 * group, running GREEN_CHECK_PROGRAM against the test listener; its exit code decides.
 */
async function greenCheck(
  d: DeployDeps,
  o: BlueGreenOptions,
  deployment: ServiceDeployment,
): Promise<{ ok: boolean; summary: string }> {
  const now = d.now ?? Date.now;
  const sleep = d.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const network = o.current.networkConfiguration;
  const container = o.current.loadBalancers?.[0]?.containerName ?? o.service;
  const id = `deploy-check-${deployment.serviceDeploymentArn?.split('/').pop() ?? 'green'}`;
  const orderFlow = ORDER_FLOW_SERVICES.every((s) => registeredServices().includes(s));
  const started = await d.ecs.send(
    new RunTaskCommand({
      cluster: o.cluster,
      taskDefinition: o.taskDefinition,
      launchType: 'FARGATE',
      count: 1,
      ...(network && { networkConfiguration: network }),
      startedBy: 'deploy-check',
      overrides: {
        containerOverrides: [
          {
            name: container,
            command: ['--input-type=module', '-e', GREEN_CHECK_PROGRAM],
            environment: [
              { name: 'GREEN_CHECK_URL', value: o.settings.testUrl },
              { name: 'GREEN_CHECK_ID', value: id },
              ...(orderFlow ? [{ name: 'GREEN_CHECK_FLOW', value: 'order' }] : []),
            ],
          },
        ],
      },
    }),
  );
  const task = started.tasks?.[0]?.taskArn;
  if (!task) {
    const failure = started.failures?.[0];
    return { ok: false, summary: `the check task did not start: ${failure?.reason ?? 'no reason given'}` };
  }
  const deadline = now() + (o.checkTimeoutMs ?? 300_000);
  d.log(`${o.service}: check task ${task.split('/').pop()} calls ${o.settings.testUrl} (request ids ${id}-*)`);
  for (;;) {
    const out = await d.ecs.send(new DescribeTasksCommand({ cluster: o.cluster, tasks: [task] }));
    const t = out.tasks?.[0];
    if (t?.lastStatus === 'STOPPED') {
      const exit = t.containers?.find((c) => c.name === container);
      if (exit?.exitCode === 0)
        return {
          ok: true,
          summary: `health, ready and openapi.json answered through the test listener${orderFlow ? '; an order placed through it was CONFIRMED' : ''}`,
        };
      const why =
        exit?.exitCode !== undefined ? `exit ${exit.exitCode}` : (exit?.reason ?? t.stoppedReason ?? 'no exit code');
      return {
        ok: false,
        summary: `${why}; its log lines ("green check") are in the service's log group, stream prefix ${container}`,
      };
    }
    if (now() >= deadline) return { ok: false, summary: 'the check task did not finish in time' };
    await sleep(o.pollMs);
  }
}

/** Runs the --during-bake command through the shell, its output going to the log; its exit code. */
function runCommand(command: string, log: (line: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line) log(`  | ${line}`);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
}
