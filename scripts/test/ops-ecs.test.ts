/**
 * `ops status`, `ops rollback` and `ops run-task` against moto's ECS (and CloudWatch Logs for
 * the task's output). moto cannot make a task exit with anything but 0, nor a rollout fail: for
 * those the answers pass through a proxy that changes just that field of moto's answer.
 */
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateClusterCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RunTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/eventually.ts';
import {
  CLUSTER,
  createStack,
  type Moto,
  ops,
  registerRevision,
  type Stack,
  startMoto,
  startProxy,
  taskTransition,
} from './ops-moto.ts';

let moto: Moto;
let stack: Stack;
const sha2 = '2222222222222222222222222222222222222222';

const serviceOf = async (name: string) =>
  (await moto.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [name] }))).services?.[0];

beforeAll(async () => {
  moto = await startMoto();
  stack = await createStack(moto, { signing: 'k'.repeat(64), accepted: '' });
  // products was deployed once more: revision 2 runs sha2
  const second = await registerRevision(moto, stack, 'products', sha2);
  stack.revisions.products?.push(second);
  await moto.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'products', taskDefinition: second }));
  for (const service of ['products', 'customer']) {
    await moto.logs.send(new CreateLogGroupCommand({ logGroupName: `/ecs/${CLUSTER}/${service}` }));
  }
}, 60_000);

afterAll(() => moto?.close());

describe('ops status', () => {
  it('shows per service the tasks, revision, image tag, health of its tasks and rollout', async () => {
    await taskTransition(moto.endpoint, 1000); // tasks stay RUNNING while status looks
    // one running task of the products service (ECS puts a service's tasks in group service:<name>)
    await moto.ecs.send(
      new RunTaskCommand({
        cluster: CLUSTER,
        taskDefinition: stack.revisions.products?.[1],
        launchType: 'FARGATE',
        group: 'service:products',
        networkConfiguration: {
          awsvpcConfiguration: { subnets: [stack.subnet], securityGroups: [stack.securityGroup] },
        },
      }),
    );
    const run = await ops(moto.endpoint, ['status']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${CLUSTER} in eu-west-1: 3 services`);
    expect(lines[2]).toMatch(/^SERVICE\s+RUNNING\/DESIRED\s+TASK DEFINITION\s+IMAGE\s+HEALTH\s+ROLLOUT$/);
    const row = (service: string) => lines.find((l) => l.startsWith(`${service} `))?.split(/\s{2,}/);
    expect(row('customer')).toEqual(['customer', '2/2', `${CLUSTER}-customer:1`, '1111111', 'no tasks', 'COMPLETED']);
    expect(row('products')).toEqual(['products', '2/2', `${CLUSTER}-products:2`, '2222222', '1 healthy', 'COMPLETED']);
    expect(row('shopping')?.[2]).toBe(`${CLUSTER}-shopping:1`);

    const json = await ops(moto.endpoint, ['status', '--json']);
    const statuses = JSON.parse(json.stdout) as Array<{ service: string; image: string; health: object }>;
    expect(statuses.find((s) => s.service === 'products')).toMatchObject({
      image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${CLUSTER}/products:${sha2}`,
      health: { healthy: 1, unhealthy: 0, unknown: 0 },
    });
  });

  it('says so when the environment has nothing running or does not exist', async () => {
    const staging = await ops(moto.endpoint, ['status', '--env', 'staging']);
    expect(staging.code).toBe(1);
    expect(staging.stderr.trim()).toBe(
      'error: no such ECS cluster in eu-west-1: is the stack applied, are --env and --region right? (Cluster not found.)',
    );
    await moto.ecs.send(new CreateClusterCommand({ clusterName: 'platform-staging' }));
    const empty = await ops(moto.endpoint, ['status', '--env', 'staging']);
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim()).toBe('error: nothing runs: cluster platform-staging has no services');
    const rollback = await ops(moto.endpoint, ['rollback', 'products', '--env', 'staging']);
    expect(rollback.stderr.trim()).toBe('error: nothing runs: cluster platform-staging has no services');
    const unknownEnv = await ops(moto.endpoint, ['status', '--env', 'qa']);
    expect(unknownEnv.code).toBe(1);
    expect(unknownEnv.stderr).toMatch(
      /no environment qa: .*qa\.tfvars does not exist \(environments: production, staging\)/,
    );
  });

  it('fails in one line without credentials', async () => {
    const run = await ops(moto.endpoint, ['status'], {
      env: {
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        HOME: '/nonexistent',
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      },
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^error: no AWS credentials found: sign in first/),
    ]);
  });
});

describe('ops rollback', () => {
  it('goes back to the previous revision through the deploy follower and reports like a deploy', async () => {
    const [first, second] = stack.revisions.products ?? [];
    const dry = await ops(moto.endpoint, ['rollback', 'products', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('nothing changed');
    expect((await serviceOf('products'))?.taskDefinition).toBe(second);

    const run = await ops(moto.endpoint, ['rollback', 'products', '--poll', '0.2']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`products: ${CLUSTER}-products:2 (2222222) -> ${CLUSTER}-products:1 (1111111)`);
    expect(run.stdout).toMatch(/products: service updated \(deployment ecs-svc\/\d+\), following the rollout/);
    expect(run.stdout).toContain(`products: OK: 2/2 tasks running ${first}`);
    expect(run.stderr).toContain('the next deploy from main deploys the current code again');
    expect((await serviceOf('products'))?.taskDefinition).toBe(first);
  });

  it('--to <sha> picks the revision whose image has that tag; an unknown one lists the latest', async () => {
    const [, second] = stack.revisions.products ?? [];
    const run = await ops(moto.endpoint, ['rollback', 'products', '--to', sha2.slice(0, 7), '--poll', '0.2']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await serviceOf('products'))?.taskDefinition).toBe(second);
    const again = await ops(moto.endpoint, ['rollback', 'products', '--to', sha2]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already runs');
    const unknown = await ops(moto.endpoint, ['rollback', 'products', '--to', '3333333']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      `no ACTIVE revision of ${CLUSTER}-products runs an image tagged 3333333; the latest ones: ${CLUSTER}-products:2 222222222222, ${CLUSTER}-products:1 111111111111`,
    );
    const bad = await ops(moto.endpoint, ['rollback', 'products', '--to', 'main']);
    expect(bad.code).toBe(2);
  });

  it('a service with one revision, or none of that name, cannot be rolled back', async () => {
    const only = await ops(moto.endpoint, ['rollback', 'customer']);
    expect(only.code).toBe(1);
    expect(only.stderr.trim()).toBe(
      `error: no earlier ACTIVE revision of ${CLUSTER}-customer than ${CLUSTER}-customer:1 to go back to`,
    );
    const unknown = await ops(moto.endpoint, ['rollback', 'billing']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe(
      `error: unknown service billing in cluster ${CLUSTER}; services: customer, products, shopping`,
    );
  });

  it('a rollback whose rollout fails says so and exits 1 (rollout state from a proxy: moto never fails one)', async () => {
    let updated = false;
    const proxy = await startProxy(moto.endpoint, {
      before: (call) => {
        if (call.action === 'UpdateService') updated = true;
      },
      rewrite: (call, answer) => {
        if (call.action !== 'DescribeServices' || !updated) return answer;
        const services = answer.services as Array<{ deployments: Array<Record<string, unknown>> }>;
        for (const d of services[0]?.deployments ?? []) {
          Object.assign(d, {
            rolloutState: 'FAILED',
            rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
          });
        }
        return answer;
      },
    });
    try {
      const run = await ops(proxy.url, ['rollback', 'products', '--poll', '0.2']);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(
        'products: FAILED: rollout failed: ECS deployment circuit breaker: tasks failed to start.',
      );
    } finally {
      await proxy.close();
    }
  });
});

describe('ops run-task', () => {
  async function putTaskLogs(lines: string[]) {
    const taskArn = await eventually(
      async () =>
        (await moto.ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: 'ops-run-task' }))).taskArns?.at(-1),
      20_000,
      'the one-off task',
    );
    const stream = `products/products/${taskArn.split('/').pop()}`;
    const group = `/ecs/${CLUSTER}/products`;
    await moto.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    await moto.logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: stream,
        logEvents: lines.map((message, i) => ({ timestamp: Date.now() + i, message })),
      }),
    );
    return taskArn;
  }

  it('runs /app/tasks/<script>.mjs in a task of the service (its revision and network), prints its logs and exits with its code', async () => {
    await taskTransition(moto.endpoint, 5); // RUNNING for a few looks, then STOPPED (exit 0: all moto knows)
    const running = ops(moto.endpoint, [
      'run-task',
      'products',
      'check-outbox',
      '--poll',
      '0.1',
      '--log-grace',
      '1',
      '--',
      '--limit',
      '5',
    ]);
    const taskArn = await putTaskLogs([
      '{"time":"2026-01-01T10:00:00.000Z","level":"info","msg":"pending outbox","collection":"stock_decisions","documents":2,"stuck":0}',
      '{"time":"2026-01-01T10:00:00.100Z","level":"info","msg":"outbox checked","pending":2,"stuck":0}',
    ]);
    const run = await running;
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const id = taskArn.split('/').pop() ?? '';
    expect(run.stdout).toContain(
      `2026-01-01T10:00:00.000Z INFO  [${id.slice(0, 8)}] pending outbox collection=stock_decisions documents=2 stuck=0`,
    );
    expect(run.stdout).toContain('outbox checked pending=2 stuck=0');
    expect(run.stdout).toMatch(new RegExp(`products check-outbox: exit 0 \\(task ${id}, \\d+ s\\)`));
    expect(run.stderr).toContain(`products: task ${id}: STOPPED`);

    const task = (await moto.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }))).tasks?.[0];
    expect(task?.overrides?.containerOverrides).toEqual([
      { name: 'products', command: ['/app/tasks/check-outbox.mjs', '--limit', '5'] },
    ]);
    expect(task?.launchType).toBe('FARGATE');
    expect(task?.taskDefinitionArn).toBe((await serviceOf('products'))?.taskDefinition);
    const subnet = task?.attachments?.[0]?.details?.find((d) => d.name === 'subnetId')?.value;
    expect(subnet).toBe(stack.subnet);
  });

  it("exits with the task's own code, or 1 with ECS's reason when the container never ran (proxy: moto only knows exit 0)", async () => {
    await taskTransition(moto.endpoint, 1);
    const withExit = (exitCode: number | undefined, stoppedReason?: string) =>
      startProxy(moto.endpoint, {
        rewrite: (call, answer) => {
          if (call.action !== 'DescribeTasks') return answer;
          for (const t of (answer.tasks ?? []) as Array<Record<string, unknown>>) {
            if (t.lastStatus !== 'STOPPED') continue;
            const containers = t.containers as Array<Record<string, unknown>>;
            for (const c of containers) {
              if (exitCode === undefined) {
                delete c.exitCode;
                c.reason = 'CannotPullContainerError: pull image manifest has been retried 5 time(s)';
              } else c.exitCode = exitCode;
            }
            if (stoppedReason) t.stoppedReason = stoppedReason;
          }
          return answer;
        },
      });
    const three = await withExit(3);
    try {
      const run = await ops(three.url, ['run-task', 'products', 'check-outbox', '--poll', '0.1', '--log-grace', '0.3']);
      expect(run.code, run.stdout + run.stderr).toBe(3);
      expect(run.stdout).toMatch(/products check-outbox: exit 3 \(task /);
    } finally {
      await three.close();
    }
    const never = await withExit(undefined, 'Task failed to start');
    try {
      const run = await ops(never.url, ['run-task', 'products', 'check-outbox', '--poll', '0.1', '--log-grace', '0.3']);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(
        'products check-outbox: the task stopped without an exit code: Task failed to start; CannotPullContainerError: pull image manifest has been retried 5 time(s)',
      );
    } finally {
      await never.close();
    }
  });

  it('refuses a script that is not a name, and an unknown service', async () => {
    const path = await ops(moto.endpoint, ['run-task', 'products', '../../bin/sh']);
    expect(path.code).toBe(2);
    expect(path.stderr).toContain('the script is a name from services/products/src/tasks/');
    const unknown = await ops(moto.endpoint, ['run-task', 'billing', 'check-outbox']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown service billing');
  });
});
