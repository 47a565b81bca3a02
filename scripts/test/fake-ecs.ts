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
 */
export type Scenario = 'success' | 'lagging' | 'failed' | 'rolled-back' | 'stuck';

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
}

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
    DescribeServices: () => {
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
    DescribeTasks: () => ({ tasks: state.stopped, failures: [] }),
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
