/**
 * A local ECS endpoint for the deploy script's tests: enough of the JSON 1.1 API
 * (X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Action>) for the real SDK client to talk to,
 * with a scripted rollout: each DescribeServices after the update is one "tick" of the scenario.
 */
import { createServer, type Server } from 'node:http';

/**
 * success: IN_PROGRESS for two looks, IN_PROGRESS 2/2, COMPLETED 1/2, then COMPLETED 2/2 (tick 4). lagging: the first look after the update
 * still shows the service as it was (ECS is eventually consistent), then as success. failed: the
 * rollout turns FAILED. rolled-back: the new deployment vanishes and the service runs the old
 * revision again. stuck: IN_PROGRESS 1/2 for ever.
 *
 * Blue/green (the service's deploy:* tags say BLUE_GREEN; each DescribeServiceDeployments is one
 * step of ECS's lifecycle): bg-success goes SCALE_UP, TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT
 * (paused until ContinueServiceDeployment; the check task exits 0), PRODUCTION_TRAFFIC_SHIFT,
 * BAKE_TIME (twice), CLEAN_UP, SUCCESSFUL; ContinueServiceDeployment or StopServiceDeployment with
 * ROLLBACK turns it ROLLBACK_IN_PROGRESS, then ROLLBACK_SUCCESSFUL. bg-check-fails: the check task
 * exits 1. bg-alarm: in BAKE_TIME the service's 5xx alarm goes off and ECS rolls back. bg-stuck:
 * SCALE_UP for ever. bg-was-blue-green: the service deploys blue/green today, its tags say ROLLING
 * (a rolling deployment then goes as success).
 */
export type Scenario =
  | 'success'
  | 'lagging'
  | 'failed'
  | 'rolled-back'
  | 'stuck'
  | 'bg-success'
  | 'bg-check-fails'
  | 'bg-alarm'
  | 'bg-stuck'
  | 'bg-was-blue-green';

interface State {
  revision: number;
  taskDefinitions: Map<string, Record<string, unknown>>;
  serviceTaskDefinition: string;
  updates: string[];
  registered: Array<Record<string, unknown>>;
  ticks: number;
  stopped: Array<Record<string, unknown>>;
  /** Service events, oldest first (DescribeServices lists them newest first, as ECS does). */
  events: Array<Record<string, unknown>>;
  /** The bodies of the calls, as received. */
  updateBodies: Array<Record<string, unknown>>;
  runTasks: Array<Record<string, unknown>>;
  continues: Array<Record<string, unknown>>;
  stops: Array<Record<string, unknown>>;
  /** Blue/green: the lifecycle step (index into BG_STAGES), the status, the calls' effects. */
  bg: { step: number; status: string; rollbackBy?: string; triggered?: string[] };
}

const BG_STAGES = [
  'SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'BAKE_TIME',
  'CLEAN_UP',
] as const;
const PAUSE_STEP = 2;
const ARN = 'arn:aws:ecs:eu-west-1:123456789012';
export const SERVICE_DEPLOYMENT = `${ARN}:service-deployment/platform/products/bg1`;
export const CHECK_TASK = `${ARN}:task/platform/check1`;
/** What infra/terraform tags a blue/green service with. */
export const BLUE_GREEN_TAGS = [
  { key: 'Service', value: 'products' },
  { key: 'deploy:strategy', value: 'BLUE_GREEN' },
  { key: 'deploy:bake-minutes', value: '10' },
  {
    key: 'deploy:alternate-target-group',
    value: `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/platform-products-g/2`,
  },
  {
    key: 'deploy:production-rule',
    value: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/platform/1/80/p',
  },
  {
    key: 'deploy:test-rule',
    value: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/platform/1/9000/p',
  },
  { key: 'deploy:role', value: 'arn:aws:iam::123456789012:role/platform-production-ecs-load-balancers' },
  { key: 'deploy:test-url', value: 'http://internal-platform-1.eu-west-1.elb.amazonaws.com:9000/products' },
];

export interface FakeEcs {
  url: string;
  state: State;
  close(): Promise<void>;
}

const epoch = () => Date.now() / 1000;

export async function startFakeEcs(scenario: Scenario): Promise<FakeEcs> {
  const family = 'platform-production-products';
  const first = `arn:aws:ecs:eu-west-1:123456789012:task-definition/${family}:7`;
  const state: State = {
    revision: 7,
    taskDefinitions: new Map([
      [
        first,
        {
          taskDefinitionArn: first,
          family,
          revision: 7,
          status: 'ACTIVE',
          cpu: '256',
          memory: '512',
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          compatibilities: ['EC2', 'FARGATE'],
          requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' }],
          registeredAt: epoch(),
          registeredBy: 'arn:aws:iam::123456789012:role/terraform',
          executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
          containerDefinitions: [
            { name: 'products', image: 'repo/products:old', essential: true, readonlyRootFilesystem: true },
          ],
        },
      ],
    ]),
    serviceTaskDefinition: first,
    updates: [],
    registered: [],
    ticks: 0,
    stopped: [],
    events: [{ id: 'ev-0', createdAt: epoch(), message: '(service products) tick 0' }],
    updateBodies: [],
    runTasks: [],
    continues: [],
    stops: [],
    bg: { step: -1, status: 'PENDING' },
  };
  const blueGreen = scenario.startsWith('bg-') && scenario !== 'bg-was-blue-green';
  const tags = blueGreen
    ? BLUE_GREEN_TAGS
    : scenario === 'bg-was-blue-green'
      ? [...BLUE_GREEN_TAGS.filter((t) => t.key !== 'deploy:strategy'), { key: 'deploy:strategy', value: 'ROLLING' }]
      : [{ key: 'Service', value: 'products' }];
  const deploymentConfiguration = {
    maximumPercent: 200,
    minimumHealthyPercent: 100,
    deploymentCircuitBreaker: { enable: true, rollback: true },
    alarms: { alarmNames: ['platform-production-products-target-5xx'], enable: true, rollback: true },
    strategy: scenario === 'bg-was-blue-green' ? 'BLUE_GREEN' : 'ROLLING',
  };
  const loadBalancers = [
    {
      targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/platform-products/1',
      containerName: 'products',
      containerPort: 8080,
    },
  ];
  const networkConfiguration = {
    awsvpcConfiguration: {
      subnets: ['subnet-a', 'subnet-b'],
      securityGroups: ['sg-tasks'],
      assignPublicIp: 'DISABLED',
    },
  };

  /** One step of ECS's blue/green lifecycle, as DescribeServiceDeployments shows it. */
  const serviceDeployment = (): Record<string, unknown> => {
    const bg = state.bg;
    if (bg.status === 'ROLLBACK_IN_PROGRESS') bg.status = 'ROLLBACK_SUCCESSFUL';
    else if (bg.status === 'ROLLBACK_REQUESTED') bg.status = 'ROLLBACK_IN_PROGRESS';
    else if (bg.status !== 'SUCCESSFUL' && bg.status !== 'ROLLBACK_SUCCESSFUL') {
      const paused = bg.step === PAUSE_STEP && state.continues.length === 0;
      if (scenario === 'bg-stuck') bg.step = 0;
      else if (!paused) bg.step++;
      bg.status = bg.step >= BG_STAGES.length ? 'SUCCESSFUL' : 'IN_PROGRESS';
      if (scenario === 'bg-alarm' && BG_STAGES[bg.step] === 'BAKE_TIME' && bg.step === 5) {
        bg.status = 'ROLLBACK_IN_PROGRESS';
        bg.triggered = ['platform-production-products-target-5xx'];
      }
    }
    const stage = BG_STAGES[Math.min(bg.step, BG_STAGES.length - 1)];
    const awaiting = bg.step === PAUSE_STEP && state.continues.length === 0 && bg.status === 'IN_PROGRESS';
    return {
      serviceDeploymentArn: SERVICE_DEPLOYMENT,
      status: bg.status,
      lifecycleStage: stage,
      targetServiceRevision: {
        arn: `${ARN}:service-revision/platform/products/2`,
        requestedTaskCount: 2,
        runningTaskCount: 2,
      },
      lifecycleHookDetails:
        bg.step >= PAUSE_STEP
          ? [{ hookId: 'hook-1', targetType: 'PAUSE', status: awaiting ? 'AWAITING_ACTION' : 'SUCCEEDED' }]
          : [],
      ...(bg.triggered && { alarms: { triggeredAlarmNames: bg.triggered } }),
      ...(bg.rollbackBy && { rollback: { reason: bg.rollbackBy } }),
    };
  };

  const deploymentsFor = (): Array<Record<string, unknown>> => {
    const current = state.serviceTaskDefinition;
    const old = {
      id: 'ecs-svc/old',
      status: 'ACTIVE',
      taskDefinition: first,
      desiredCount: 2,
      runningCount: 2,
      rolloutState: 'COMPLETED',
    };
    if (current === first) return [{ ...old, status: 'PRIMARY' }];
    const t = state.ticks;
    const base = { id: 'ecs-svc/new', status: 'PRIMARY', taskDefinition: current, desiredCount: 2 };
    switch (scenario) {
      case 'lagging':
        if (t < 2) return [{ ...old, status: 'PRIMARY' }];
        return [{ ...base, runningCount: 2, rolloutState: 'COMPLETED' }];
      case 'success':
      case 'bg-was-blue-green': // switched back to rolling, it rolls out as success does
        if (t < 2) return [{ ...base, runningCount: t, rolloutState: 'IN_PROGRESS' }, old];
        // every task running is not enough while the rollout is IN_PROGRESS, nor is COMPLETED
        // while a task is missing (one stopped after the rollout)
        if (t === 2) return [{ ...base, runningCount: 2, rolloutState: 'IN_PROGRESS' }];
        if (t === 3) return [{ ...base, runningCount: 1, rolloutState: 'COMPLETED' }];
        return [{ ...base, runningCount: 2, rolloutState: 'COMPLETED' }];
      case 'failed':
        if (t < 2) return [{ ...base, runningCount: 0, rolloutState: 'IN_PROGRESS' }, old];
        return [
          {
            ...base,
            runningCount: 0,
            failedTasks: 3,
            rolloutState: 'FAILED',
            rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
          },
          old,
        ];
      case 'rolled-back':
        if (t < 2) return [{ ...base, runningCount: 0, rolloutState: 'IN_PROGRESS' }, old];
        state.serviceTaskDefinition = first; // what the circuit breaker does
        return [{ ...old, status: 'PRIMARY' }];
      default:
        return [{ ...base, runningCount: 1, rolloutState: 'IN_PROGRESS' }, old];
    }
  };

  const handlers: Record<string, (body: Record<string, unknown>) => unknown> = {
    DescribeServices: (body) => {
      if (state.serviceTaskDefinition !== first || state.updates.length > 0) {
        state.ticks++;
        state.events.push({
          id: `ev-${state.updates.length}-${state.ticks}`,
          createdAt: epoch(),
          message: `(service products) tick ${state.ticks}`,
        });
      }
      if ((scenario === 'failed' || scenario === 'rolled-back') && state.ticks === 2) {
        state.stopped.push({
          taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/platform/abc123',
          taskDefinitionArn:
            state.serviceTaskDefinition === first
              ? [...state.taskDefinitions.keys()].at(-1)
              : state.serviceTaskDefinition,
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'products', exitCode: 1, reason: 'CannotPullContainerError: image not found' }],
        });
      }
      const deployments = deploymentsFor();
      return {
        services: [
          {
            serviceName: 'products',
            status: 'ACTIVE',
            taskDefinition: scenario === 'lagging' && state.ticks < 2 ? first : state.serviceTaskDefinition,
            deployments,
            events: [...state.events].reverse().slice(0, 100),
            deploymentConfiguration,
            loadBalancers,
            networkConfiguration,
            ...(Array.isArray(body.include) && body.include.includes('TAGS') && { tags }),
          },
        ],
        failures: [],
      };
    },
    DescribeTaskDefinition: (body) => {
      const wanted = String(body.taskDefinition);
      const match =
        state.taskDefinitions.get(wanted) ??
        [...state.taskDefinitions.values()]
          .filter((t) => t.family === wanted)
          .sort((a, b) => Number(b.revision) - Number(a.revision))[0];
      return { taskDefinition: match, tags: [{ key: 'Service', value: 'products' }] };
    },
    RegisterTaskDefinition: (body) => {
      state.registered.push(body);
      state.revision++;
      const arn = `arn:aws:ecs:eu-west-1:123456789012:task-definition/${body.family}:${state.revision}`;
      const def = { ...body, taskDefinitionArn: arn, revision: state.revision, status: 'ACTIVE' };
      state.taskDefinitions.set(arn, def);
      return { taskDefinition: def };
    },
    // Like ECS, the answer carries the deployment the update started, as PRIMARY.
    UpdateService: (body) => {
      state.updateBodies.push(body);
      state.updates.push(String(body.taskDefinition));
      state.serviceTaskDefinition = String(body.taskDefinition);
      state.ticks = 0;
      const deployments =
        state.serviceTaskDefinition === first
          ? deploymentsFor()
          : [
              {
                id: 'ecs-svc/new',
                status: 'PRIMARY',
                taskDefinition: state.serviceTaskDefinition,
                desiredCount: 2,
                runningCount: 0,
                rolloutState: 'IN_PROGRESS',
              },
            ];
      return { service: { serviceName: 'products', taskDefinition: state.serviceTaskDefinition, deployments } };
    },
    ListTasks: () => ({ taskArns: state.stopped.map((t) => t.taskArn) }),
    DescribeTasks: (body) => {
      const wanted = (body.tasks as string[] | undefined) ?? [];
      return { tasks: state.stopped.filter((t) => wanted.includes(String(t.taskArn))), failures: [] };
    },
    ListServiceDeployments: () => ({
      serviceDeployments:
        state.updates.length > 0
          ? [{ serviceDeploymentArn: SERVICE_DEPLOYMENT, createdAt: epoch(), status: state.bg.status }]
          : [],
    }),
    DescribeServiceDeployments: () => ({ serviceDeployments: [serviceDeployment()], failures: [] }),
    ContinueServiceDeployment: (body) => {
      state.continues.push(body);
      if (body.action === 'ROLLBACK') {
        state.bg.status = 'ROLLBACK_REQUESTED';
        state.bg.rollbackBy = 'Rolled back by ContinueServiceDeployment at a lifecycle hook';
      }
      return { serviceDeploymentArn: SERVICE_DEPLOYMENT };
    },
    StopServiceDeployment: (body) => {
      state.stops.push(body);
      if (body.stopType === 'ROLLBACK') {
        state.bg.status = 'ROLLBACK_REQUESTED';
        state.bg.rollbackBy = 'Rolled back by StopServiceDeployment';
      }
      return { serviceDeploymentArn: SERVICE_DEPLOYMENT };
    },
    // The check task: stopped at once, exit 0 (exit 1 in bg-check-fails); listed among the
    // service's stopped tasks as ECS would.
    RunTask: (body) => {
      state.runTasks.push(body);
      const task = {
        taskArn: CHECK_TASK,
        taskDefinitionArn: body.taskDefinition,
        startedBy: body.startedBy,
        lastStatus: 'STOPPED',
        stoppedReason: 'Essential container in task exited',
        containers: [{ name: 'products', exitCode: scenario === 'bg-check-fails' ? 1 : 0 }],
      };
      state.stopped.push(task);
      return { tasks: [{ ...task, lastStatus: 'PROVISIONING' }], failures: [] };
    },
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const action =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '';
      const handler = handlers[action];
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (!handler) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'UnknownOperationException', message: action }));
        return;
      }
      res.end(JSON.stringify(handler(raw ? JSON.parse(raw) : {})));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
