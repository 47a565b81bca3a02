/**
 * `run-task <service> <script> [-- args]`: a one-off Fargate task of the service (its task
 * definition, so its image, secrets, roles and logs; its network configuration, read from the
 * service) running /app/tasks/<script>.mjs instead of the service. The image has no shell and
 * its entrypoint is node, so the command override is the script and its arguments. Prints the
 * task's log lines as they come, waits for it to stop, and answers with its exit code.
 */
import {
  GetLogEventsCommand,
  type GetLogEventsCommandOutput,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTasksCommand, RunTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { sleep } from '@platform/shared/async';
import type { Context } from './context.ts';
import { containerOf, describeOne, revisionOf, taskDefinition } from './ecs.ts';
import { OpsError } from './errors.ts';
import { duration, formatLogEvent } from './format.ts';

export interface RunTaskOptions {
  service: string;
  script: string;
  args: string[];
  timeoutMs: number;
  pollMs: number;
  /** After the task stopped, how long to wait for log lines still on their way to CloudWatch. */
  logGraceMs: number;
  color: boolean;
  signal?: AbortSignal | undefined;
}

/** What the image holds: scripts/build.ts bundles services/<name>/src/tasks/<script>.ts there. */
export const taskCommand = (script: string, args: string[]) => [`/app/tasks/${script}.mjs`, ...args];

export async function runTask(ctx: Context, o: RunTaskOptions): Promise<number> {
  const script = o.script.replace(/\.mjs$/, '');
  if (!/^[a-z0-9][a-z0-9-]*$/i.test(script)) {
    throw new OpsError(
      `the script is a name from services/${o.service}/src/tasks/ (e.g. check-outbox), got "${o.script}"`,
      2,
    );
  }
  const { cluster } = ctx.names;
  const service = await describeOne(ctx, o.service);
  if (!service.taskDefinition) throw new OpsError(`service ${o.service} has no task definition`);
  const td = await taskDefinition(ctx.aws.ecs, service.taskDefinition);
  const container = containerOf(td, o.service);
  const network = service.networkConfiguration ?? service.deployments?.[0]?.networkConfiguration;
  if (!network && td.networkMode === 'awsvpc') throw new OpsError(`service ${o.service} has no network configuration`);

  const started = await ctx.aws.ecs.send(
    new RunTaskCommand({
      cluster,
      taskDefinition: service.taskDefinition,
      launchType: 'FARGATE',
      count: 1,
      ...(network && { networkConfiguration: network }),
      overrides: { containerOverrides: [{ name: container.name, command: taskCommand(script, o.args) }] },
      startedBy: 'ops-run-task',
    }),
  );
  const failure = started.failures?.[0];
  const task = started.tasks?.[0];
  if (!task?.taskArn) {
    throw new OpsError(
      `ECS did not start the task: ${failure?.reason ?? 'no reason given'} ${failure?.detail ?? ''}`.trim(),
    );
  }
  const taskId = task.taskArn.split('/').pop() ?? task.taskArn;
  const t0 = Date.now();
  const command = [script, ...o.args].join(' ');
  ctx.note(`${o.service}: started task ${taskId} (${command}) on ${revisionOf(service.taskDefinition)}`);

  const logs = logReader(ctx, container.logConfiguration?.options, container.name ?? o.service, taskId, o.color);
  let status = task.lastStatus ?? '';
  ctx.note(`${o.service}: task ${taskId}: ${status}`);
  let last: Task = task;
  while (status !== 'STOPPED') {
    if (o.signal?.aborted || Date.now() - t0 > o.timeoutMs) {
      const why = o.signal?.aborted ? 'interrupted' : `still ${status} after ${duration(Date.now() - t0)}`;
      throw new OpsError(
        `${why}; the task keeps running (follow it: npm run logs -- ${o.service} --follow; stop it: aws ecs stop-task --region ${ctx.names.region} --cluster ${cluster} --task ${taskId})`,
      );
    }
    await sleep(o.pollMs, o.signal);
    const described = await ctx.aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: [task.taskArn] }));
    last = described.tasks?.[0] ?? last;
    if (last.lastStatus && last.lastStatus !== status) {
      status = last.lastStatus;
      ctx.note(`${o.service}: task ${taskId}: ${status}`);
    }
    await logs.read();
  }
  // awslogs sends the last lines as the container stops; they can take seconds to be readable
  const stoppedAt = Date.now();
  let lastLine = stoppedAt;
  while (Date.now() - Math.max(stoppedAt, lastLine) < o.logGraceMs) {
    if ((await logs.read()) > 0) lastLine = Date.now();
    else await sleep(o.pollMs);
  }

  const exit = last.containers?.find((c) => c.name === container.name);
  const took = duration(Date.now() - t0);
  if (typeof exit?.exitCode === 'number') {
    ctx.out(`${o.service} ${script}: exit ${exit.exitCode} (task ${taskId}, ${took})`);
    return exit.exitCode;
  }
  const reasons = [last.stoppedReason, exit?.reason].filter(Boolean).join('; ');
  ctx.out(
    `${o.service} ${script}: the task stopped without an exit code: ${reasons || 'no reason given'} (task ${taskId}, ${took})`,
  );
  return 1;
}

/** Reads the task's awslogs stream forward; `read` prints what is new and says how much. */
function logReader(
  ctx: Context,
  options: Record<string, string> | undefined,
  container: string,
  taskId: string,
  color: boolean,
) {
  const group = options?.['awslogs-group'];
  const prefix = options?.['awslogs-stream-prefix'];
  if (!group || !prefix) {
    ctx.note('the task definition has no awslogs configuration: its output is not shown');
    return { read: async () => 0 };
  }
  const stream = `${prefix}/${container}/${taskId}`;
  let nextToken: string | undefined;
  return {
    async read(): Promise<number> {
      let count = 0;
      for (;;) {
        let page: GetLogEventsCommandOutput;
        try {
          page = await ctx.aws.logs.send(
            new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, nextToken }),
          );
        } catch (err) {
          if (err instanceof ResourceNotFoundException) return count; // no line written yet
          throw err;
        }
        for (const e of page.events ?? []) ctx.out(formatLogEvent({ ...e, logStreamName: stream }, color));
        count += page.events?.length ?? 0;
        // the forward token stays the same once the end of the stream is reached
        const done = page.nextForwardToken === nextToken || (page.events?.length ?? 0) === 0;
        nextToken = page.nextForwardToken ?? nextToken;
        if (done) return count;
      }
    },
  };
}
