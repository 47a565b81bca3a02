/**
 * `status`: per service what runs (tasks running/desired/pending), which image (its tag is the
 * commit), which task definition revision, the health of its tasks (the container health check
 * ECS runs, which is also what decides a task's fate; the load balancer's own view needs another
 * API and tells little more), the rollout and the latest service events.
 */
import { DescribeTasksCommand, ListTasksCommand, type Service, type Task } from '@aws-sdk/client-ecs';
import type { Context } from './context.ts';
import { containerOf, describeAll, imageTag, revisionOf, shortTag, taskDefinition } from './ecs.ts';
import { ago, table } from './format.ts';

export interface ServiceStatus {
  service: string;
  running: number;
  desired: number;
  pending: number;
  taskDefinition: string;
  image: string;
  tag: string;
  health: { healthy: number; unhealthy: number; unknown: number };
  rollout: string;
  deployments: number;
  events: Array<{ at: string; message: string }>;
}

export async function collectStatus(ctx: Context, eventCount: number): Promise<ServiceStatus[]> {
  const services = await describeAll(ctx.aws.ecs, ctx.names.cluster);
  return Promise.all(services.map((s) => statusOf(ctx, s, eventCount)));
}

async function statusOf(ctx: Context, s: Service, eventCount: number): Promise<ServiceStatus> {
  const name = s.serviceName ?? '?';
  const td = s.taskDefinition ? await taskDefinition(ctx.aws.ecs, s.taskDefinition) : undefined;
  const image = td ? (containerOf(td, name).image ?? '') : '';
  const tasks = await runningTasks(ctx, name);
  const health = { healthy: 0, unhealthy: 0, unknown: 0 };
  for (const t of tasks) {
    const h = t.healthStatus ?? t.containers?.find((c) => c.name === name)?.healthStatus ?? 'UNKNOWN';
    if (h === 'HEALTHY') health.healthy++;
    else if (h === 'UNHEALTHY') health.unhealthy++;
    else health.unknown++;
  }
  const deployments = s.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const failed = primary?.failedTasks ? `, ${primary.failedTasks} failed tasks` : '';
  return {
    service: name,
    running: s.runningCount ?? 0,
    desired: s.desiredCount ?? 0,
    pending: s.pendingCount ?? 0,
    taskDefinition: s.taskDefinition ?? '-',
    image,
    tag: imageTag(image),
    health,
    rollout: `${primary?.rolloutState ?? '-'}${failed}`,
    deployments: deployments.length,
    events: (s.events ?? []).slice(0, eventCount).map((e) => ({
      at: e.createdAt?.toISOString() ?? '-',
      message: e.message ?? '',
    })),
  };
}

/**
 * The service's running tasks. A service's tasks are in the group "service:<name>"; the filter
 * on it also keeps one-off tasks (run-task) out where ListTasks ignores serviceName (moto).
 */
async function runningTasks(ctx: Context, service: string): Promise<Task[]> {
  const { cluster } = ctx.names;
  const listed = await ctx.aws.ecs.send(
    new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'RUNNING' }),
  );
  const arns = listed.taskArns ?? [];
  if (arns.length === 0) return [];
  const described = await ctx.aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(0, 100) }));
  return (described.tasks ?? []).filter((t) => t.group === `service:${service}` && t.lastStatus === 'RUNNING');
}

function healthText(h: ServiceStatus['health']): string {
  const parts = [
    h.healthy && `${h.healthy} healthy`,
    h.unhealthy && `${h.unhealthy} UNHEALTHY`,
    h.unknown && `${h.unknown} no check yet`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'no tasks';
}

export function renderStatus(ctx: Context, statuses: ServiceStatus[], now = Date.now()): string[] {
  const rows = statuses.map((s) => [
    s.service,
    `${s.running}/${s.desired}${s.pending ? ` (+${s.pending} pending)` : ''}`,
    revisionOf(s.taskDefinition),
    shortTag(s.tag),
    healthText(s.health),
    s.deployments > 1 ? `${s.rollout} (${s.deployments} deployments)` : s.rollout,
  ]);
  const lines = [
    `${ctx.names.cluster} in ${ctx.names.region}: ${statuses.length} service${statuses.length === 1 ? '' : 's'}`,
    '',
    ...table(['SERVICE', 'RUNNING/DESIRED', 'TASK DEFINITION', 'IMAGE', 'HEALTH', 'ROLLOUT'], rows),
  ];
  const events = statuses.flatMap((s) =>
    s.events.map((e) => [s.service, ago(e.at === '-' ? undefined : new Date(e.at), now), e.message]),
  );
  if (events.length > 0) lines.push('', 'Latest events', ...table(['SERVICE', 'WHEN', 'EVENT'], events));
  return lines;
}
