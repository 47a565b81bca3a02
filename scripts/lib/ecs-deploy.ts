import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type TaskDefinition,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { deploySettingsOf, rollOutBlueGreen, type Strategy } from './ecs-blue-green.ts';

export interface DeployOptions {
  cluster: string;
  service: string;
  /** The image to deploy; undefined keeps the image the service runs now (a configuration-only deploy). */
  image: string | undefined;
  /** Container whose image changes; defaults to the service name, or the only container. */
  container?: string | undefined;
  timeoutMs: number;
  pollMs: number;
  rollbackOnTimeout: boolean;
  dryRun: boolean;
  /** Register and update, without following the rollout. */
  noWait?: boolean;
  /** Blue/green: a command run when the bake time starts (the smoke flow); non-zero rolls back. */
  duringBake?: string | undefined;
  /** Switch a blue/green service back to rolling (see RollOutOptions). */
  switchToRolling?: boolean;
}

export interface DeployDeps {
  ecs: Pick<ECSClient, 'send'>;
  log: (line: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type DeployOutcome = 'deployed' | 'dry-run' | 'submitted' | 'failed' | 'rolled-back' | 'timed-out';

export interface DeployResult {
  outcome: DeployOutcome;
  ok: boolean;
  reason: string;
  previousTaskDefinition?: string | undefined;
  newTaskDefinition?: string | undefined;
  events: string[];
  stoppedTasks: string[];
  /** How the service deployed: its deploy:strategy tag (ROLLING without one). */
  strategy?: Strategy;
  /** Blue/green: the lifecycle stages the deployment went through, in order. */
  stages?: string[];
}

export class DeployError extends Error {
  override name = 'DeployError';
}

/** Fields DescribeTaskDefinition returns that RegisterTaskDefinition refuses. */
const READ_ONLY = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
] as const;

/** The next revision's input: the base revision with one container's image replaced. */
export function nextRevision(
  base: TaskDefinition,
  tags: RegisterTaskDefinitionCommandInput['tags'],
  containerName: string | undefined,
  image: string,
): { input: RegisterTaskDefinitionCommandInput; container: string; previousImage: string } {
  const containers = base.containerDefinitions ?? [];
  const target =
    containers.find((c) => c.name === containerName) ??
    (containers.length === 1 && !containerName ? containers[0] : undefined);
  if (!target?.name) {
    throw new DeployError(
      `no container ${containerName ?? '(unnamed)'} in ${base.family}; containers: ${containers.map((c) => c.name).join(', ')}`,
    );
  }
  const copy: Record<string, unknown> = { ...base };
  for (const field of READ_ONLY) delete copy[field];
  const input = {
    ...copy,
    containerDefinitions: containers.map((c) => (c.name === target.name ? { ...c, image } : c)),
    ...(tags && tags.length > 0 && { tags }),
  } as RegisterTaskDefinitionCommandInput;
  return { input, container: target.name, previousImage: target.image ?? '' };
}

const familyOf = (arn: string) => arn.split('/').pop()?.split(':')[0] ?? arn;

/**
 * Deploys `image` to one ECS service: registers a new revision of the service's task definition
 * family (its latest revision, so changes Terraform registered come along) with the image
 * replaced, points the service at it, and follows the deployment until it is COMPLETED with every
 * task running, printing new service events and why tasks stopped. Fails fast when the rollout
 * FAILED or the circuit breaker rolled it back; after the deadline it fails, and with
 * rollbackOnTimeout points the service back to the previous revision.
 */
export async function deployService(o: DeployOptions, d: DeployDeps): Promise<DeployResult> {
  const current = await describeService(d.ecs, o.cluster, o.service);
  const previous = current.taskDefinition;
  if (!previous) throw new DeployError(`service ${o.service} has no task definition`);
  const family = familyOf(previous);
  const latest = await d.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ['TAGS'] }));
  if (!latest.taskDefinition) throw new DeployError(`task definition family ${family} not found`);
  const image = o.image ?? (await currentImage(d.ecs, previous, o.container ?? o.service));
  const next = nextRevision(latest.taskDefinition, latest.tags, o.container ?? o.service, image);
  d.log(
    `${o.service}: ${next.container} ${next.previousImage || '(no image)'} -> ${image} (new revision of ${family}, based on revision ${latest.taskDefinition.revision})`,
  );

  if (o.dryRun) {
    d.log(
      `${o.service}: dry run: would register a revision of ${family} and update ${o.cluster}/${o.service}; nothing changed`,
    );
    return {
      outcome: 'dry-run',
      ok: true,
      reason: 'dry run',
      previousTaskDefinition: previous,
      events: [],
      stoppedTasks: [],
    };
  }

  const registered = await d.ecs.send(new RegisterTaskDefinitionCommand(next.input));
  const arn = registered.taskDefinition?.taskDefinitionArn;
  if (!arn) throw new DeployError('RegisterTaskDefinition returned no ARN');
  d.log(`${o.service}: registered ${arn}`);
  return rollOut(
    { ...o, taskDefinition: arn, current, duringBake: o.duringBake, switchToRolling: o.switchToRolling },
    d,
  );
}

export interface RollOutOptions {
  cluster: string;
  service: string;
  /** What the service is pointed at: a new revision, an earlier one (a rollback), or the one it runs (forced). */
  taskDefinition: string;
  /** Starts a new deployment even when the task definition is the one the service runs (tasks re-read secrets). */
  forceNewDeployment?: boolean;
  /** The service as described before the update; described here when not given. */
  current?: Service;
  timeoutMs: number;
  pollMs: number;
  rollbackOnTimeout: boolean;
  noWait?: boolean;
  /** Blue/green: a command run when the bake time starts (the smoke flow); non-zero rolls back. */
  duringBake?: string | undefined;
  /** Blue/green: how long the pre-switch check task may take. */
  checkTimeoutMs?: number;
  /** A blue/green service whose tag now says ROLLING: switch it back (the operator checked that
   * production traffic is on the primary target group). */
  switchToRolling?: boolean;
}

/**
 * Points a service at a task definition and follows the deployment until it is COMPLETED with
 * every task running, printing new service events and why tasks stopped. Fails fast when the
 * rollout FAILED or the circuit breaker rolled it back; after the deadline it fails, and with
 * rollbackOnTimeout points the service back to what it ran before. Deploys, rollbacks and the
 * forced deployments of a secret rotation all go through here. A service whose deploy:strategy
 * tag says BLUE_GREEN deploys blue/green (scripts/lib/ecs-blue-green.ts).
 */
export async function rollOut(o: RollOutOptions, d: DeployDeps): Promise<DeployResult> {
  const now = d.now ?? Date.now;
  const sleep = d.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const events: string[] = [];
  const stoppedTasks: string[] = [];
  // the deploy:* tags say how to deploy: a service described without them is described again
  const current = o.current?.tags !== undefined ? o.current : await describeService(d.ecs, o.cluster, o.service);
  const previous = current.taskDefinition;
  if (!previous) throw new DeployError(`service ${o.service} has no task definition`);
  const arn = o.taskDefinition;
  const settings = deploySettingsOf(current.tags);
  const extra = { previousTaskDefinition: previous, newTaskDefinition: arn, strategy: settings.strategy };
  const result = (outcome: DeployOutcome, reason: string, more: Partial<DeployResult> = {}): DeployResult => ({
    outcome,
    ok: outcome === 'deployed' || outcome === 'dry-run' || outcome === 'submitted',
    reason,
    events,
    stoppedTasks,
    ...extra,
    ...more,
  });

  // Events already there before the update are history, not news.
  const seenEvents = new Set((current.events ?? []).map((e) => e.id).filter((id): id is string => Boolean(id)));
  const seenTasks = new Set<string>();
  let deploymentId: string | undefined;
  /** Prints the service's new events and the new revision's tasks that stopped since the last look. */
  const news = async (service: Service) => {
    for (const e of [...(service.events ?? [])].reverse()) {
      if (!e.id || seenEvents.has(e.id)) continue;
      seenEvents.add(e.id);
      events.push(e.message ?? '');
      d.log(`${o.service}: event: ${e.message}`);
    }
    for (const stopped of await stoppedTasksOf(d.ecs, o.cluster, o.service, arn, deploymentId, seenTasks)) {
      stoppedTasks.push(stopped);
      d.log(`${o.service}: task stopped: ${stopped}`);
    }
  };

  if (settings.strategy === 'BLUE_GREEN') {
    return rollOutBlueGreen({ ...o, settings, current }, d, news, result);
  }
  // Back from blue/green: the strategy, and the load balancer without the alternate target group.
  const backToRolling = current.deploymentConfiguration?.strategy === 'BLUE_GREEN';
  if (backToRolling && !o.switchToRolling) {
    throw new DeployError(
      `${o.service} deploys blue/green today and its deploy:strategy tag now says ROLLING: its production traffic may be on the alternate target group, which a rolling deployment does not use. Check, then deploy with --switch-to-rolling (docs/OBSERVABILITY.md, "Back to rolling")`,
    );
  }

  const started = now();
  const updated = await d.ecs.send(
    new UpdateServiceCommand({
      cluster: o.cluster,
      service: o.service,
      taskDefinition: arn,
      ...(o.forceNewDeployment && { forceNewDeployment: true }),
      ...(backToRolling && {
        deploymentConfiguration: {
          ...current.deploymentConfiguration,
          strategy: 'ROLLING' as const,
          bakeTimeInMinutes: undefined,
          lifecycleHooks: [],
        },
        loadBalancers: (current.loadBalancers ?? []).map(({ advancedConfiguration: _, ...lb }) => lb),
      }),
    }),
  );
  if (backToRolling) d.log(`${o.service}: back to rolling deployments (--switch-to-rolling)`);
  // The deployment UpdateService started: ECS answers with it as the PRIMARY one (moto keeps its
  // one PRIMARY deployment with the old task definition). Following it by id also tells "not
  // listed yet" (ECS is eventually consistent) apart from "gone" (rolled back).
  const primary = updated.service?.deployments?.filter((dep) => dep.status === 'PRIMARY') ?? [];
  deploymentId = (primary.find((dep) => dep.taskDefinition === arn) ?? primary[0])?.id;
  d.log(
    `${o.service}: service updated${deploymentId ? ` (deployment ${deploymentId})` : ''}, following the rollout (deadline ${Math.round(o.timeoutMs / 1000)} s)`,
  );
  if (o.noWait) return result('submitted', 'deployment started (not followed)');

  const deadline = started + o.timeoutMs;
  let seen = false;
  let missing = 0;
  for (;;) {
    const service = await describeService(d.ecs, o.cluster, o.service);
    await news(service);

    const deployments = service.deployments ?? [];
    const deployment = deploymentId
      ? deployments.find((dep) => dep.id === deploymentId)
      : deployments.find((dep) => dep.taskDefinition === arn);
    if (deployment) {
      seen = true;
      deploymentId ??= deployment.id;
    }
    if (deployment?.rolloutState === 'FAILED') {
      return result('failed', `rollout failed: ${deployment.rolloutStateReason ?? 'no reason given'}`);
    }
    // The circuit breaker's rollback replaces the deployment with one of the previous revision.
    if (!deployment && service.taskDefinition !== arn && (seen || ++missing >= 2)) {
      return result(
        'rolled-back',
        `the deployment is gone and the service runs ${service.taskDefinition}: the circuit breaker rolled it back`,
      );
    }
    // A forced deployment keeps the task definition: its rollback only shows as the deployment gone.
    if (!deployment && seen && service.taskDefinition === arn) {
      return result('rolled-back', `deployment ${deploymentId} is gone: rolled back or replaced by another deployment`);
    }
    if (
      deployment?.rolloutState === 'COMPLETED' &&
      deployment.runningCount === deployment.desiredCount &&
      deployments.length === 1
    ) {
      return result('deployed', `${deployment.runningCount}/${deployment.desiredCount} tasks running ${arn}`);
    }
    if (now() >= deadline) {
      const state = deployment
        ? `${deployment.rolloutState ?? 'unknown'}, ${deployment.runningCount ?? 0}/${deployment.desiredCount ?? 0} running`
        : 'no deployment of the new revision listed';
      if (o.rollbackOnTimeout && previous !== arn) {
        await d.ecs.send(
          new UpdateServiceCommand({ cluster: o.cluster, service: o.service, taskDefinition: previous }),
        );
        d.log(`${o.service}: deadline passed; service pointed back to ${previous}`);
        return result(
          'timed-out',
          `not completed after ${Math.round(o.timeoutMs / 1000)} s (${state}); rolled back to ${previous}`,
        );
      }
      return result('timed-out', `not completed after ${Math.round(o.timeoutMs / 1000)} s (${state})`);
    }
    await sleep(o.pollMs);
  }
}

/** The image the service's current revision runs, for configuration-only deploys. */
async function currentImage(ecs: DeployDeps['ecs'], taskDefinition: string, container: string): Promise<string> {
  const current = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
  const containers = current.taskDefinition?.containerDefinitions ?? [];
  const found = containers.find((c) => c.name === container) ?? (containers.length === 1 ? containers[0] : undefined);
  if (!found?.image) throw new DeployError(`cannot tell which image ${taskDefinition} runs`);
  return found.image;
}

async function describeService(ecs: DeployDeps['ecs'], cluster: string, name: string): Promise<Service> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster, services: [name], include: ['TAGS'] }));
  const service = out.services?.[0];
  if (!service || service.status === 'INACTIVE') {
    const why = out.failures?.[0]?.reason ?? (service ? 'INACTIVE' : 'not found');
    throw new DeployError(`service ${name} in cluster ${cluster}: ${why}`);
  }
  return service;
}

/** Tasks of the new revision (and deployment) that stopped since the last look, with ECS's reason. */
async function stoppedTasksOf(
  ecs: DeployDeps['ecs'],
  cluster: string,
  service: string,
  taskDefinition: string,
  deploymentId: string | undefined,
  seen: Set<string>,
): Promise<string[]> {
  // ECS lists a service's tasks stopped in about the last hour, 100 a page.
  const fresh: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 5 && fresh.length < 100; page++) {
    const listed = await ecs.send(
      new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED', nextToken }),
    );
    fresh.push(...(listed.taskArns ?? []).filter((t) => !seen.has(t)));
    nextToken = listed.nextToken;
    if (!nextToken) break;
  }
  if (fresh.length === 0) return [];
  const described = await ecs.send(new DescribeTasksCommand({ cluster, tasks: fresh.slice(0, 100) }));
  const lines: string[] = [];
  for (const task of described.tasks ?? []) {
    if (!task.taskArn) continue;
    seen.add(task.taskArn);
    // A service's tasks name the deployment that started them: a forced deployment's old tasks,
    // stopped on purpose, run the same task definition as its new ones. The blue/green check task
    // (startedBy deploy-check) stops by design.
    if (task.startedBy === 'deploy-check') continue;
    const ours = task.startedBy && deploymentId ? task.startedBy === deploymentId : true;
    if (task.taskDefinitionArn !== taskDefinition || !ours) continue;
    const exits = (task.containers ?? [])
      .filter((c) => c.exitCode !== undefined || c.reason)
      .map((c) => `${c.name}: ${c.reason ?? `exit ${c.exitCode}`}`);
    lines.push(
      `${task.taskArn.split('/').pop()}: ${task.stoppedReason ?? 'stopped'}${exits.length ? ` (${exits.join('; ')})` : ''}`,
    );
  }
  return lines;
}

/** Markdown for $GITHUB_STEP_SUMMARY. */
export function summaryMarkdown(o: DeployOptions, r: DeployResult): string {
  const icon = r.ok ? 'OK' : 'FAILED';
  const lines = [
    `### ECS deploy ${o.service}: ${icon}`,
    '',
    '| | |',
    '| --- | --- |',
    `| Cluster | \`${o.cluster}\` |`,
    `| Image | \`${o.image ?? '(unchanged)'}\` |`,
    `| Strategy | ${r.strategy === 'BLUE_GREEN' ? 'blue/green' : 'rolling'} |`,
    `| Outcome | ${r.outcome}: ${r.reason} |`,
    `| New task definition | \`${r.newTaskDefinition ?? '-'}\` |`,
    `| Previous task definition | \`${r.previousTaskDefinition ?? '-'}\` |`,
  ];
  if (r.stages && r.stages.length > 0) lines.push('', `**Stages**: ${r.stages.join(' > ')}`);
  if (r.stoppedTasks.length > 0) lines.push('', '**Stopped tasks**', '', ...r.stoppedTasks.map((t) => `- ${t}`));
  if (r.events.length > 0)
    lines.push(
      '',
      '<details><summary>Service events</summary>',
      '',
      ...r.events.map((e) => `- ${e}`),
      '',
      '</details>',
    );
  return `${lines.join('\n')}\n`;
}
