/**
 * scripts/deploy-ecs.ts run as users run it (a child process, the real AWS SDK over HTTP):
 * against moto's ECS server for the success path (register the revision, update the service,
 * follow the deployment to COMPLETED with every task running; MOTO_ECS_SERVICE_RUNNING makes
 * moto's deployment complete), dry run and errors; and against a fake ECS endpoint of our own for
 * the outcomes moto cannot produce (a FAILED rollout, a circuit-breaker rollback, a rollout that
 * never ends, service events and stopped tasks) and the blue/green path (stages, the pre-switch
 * check task at the paused hook, rollbacks on a failed check, an alarm, --during-bake, the deadline).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, BENCH_JWT_SECRET, startPlatform } from '../../bench/platform.ts';
import { freePort, waitForPort } from '../../test/servers.ts';
import { GREEN_CHECK_PROGRAM } from '../lib/ecs-blue-green.ts';
import { nextRevision } from '../lib/ecs-deploy.ts';
import { BLUE_GREEN_TAGS, type FakeEcs, type Scenario, SERVICE_DEPLOYMENT, startFakeEcs } from './fake-ecs.ts';

const script = join(import.meta.dirname, '..', 'deploy-ecs.ts');
const credentials = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'eu-west-1' };

function deploy(endpoint: string, args: string[], extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    // GITHUB_STEP_SUMMARY and every other variable of this process stay out unless given.
    execFile(
      process.execPath,
      [script, '--endpoint', endpoint, ...args],
      { env: { PATH: process.env.PATH ?? '', ...credentials, ...extraEnv }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }),
    );
  });
}

describe('deploy-ecs against moto', () => {
  let moto: ChildProcess;
  let endpoint = '';
  let ecs: ECSClient;
  let firstArn = '';

  beforeAll(async () => {
    const port = await freePort();
    // Services moto creates report 2 running tasks and a COMPLETED deployment.
    moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
      stdio: 'ignore',
      env: { ...process.env, MOTO_ECS_SERVICE_RUNNING: '2' },
    });
    const spawnFailed = new Promise<never>((_, reject) =>
      moto.once('error', () => reject(new Error("moto_server is not installed: pip install 'moto[server]==5.2.1'"))),
    );
    await Promise.race([waitForPort(port, 30_000, 'moto_server'), spawnFailed]);
    endpoint = `http://127.0.0.1:${port}`;
    ecs = new ECSClient({
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await ecs.send(new CreateClusterCommand({ clusterName: 'platform' }));
    const td = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'platform-customer',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        executionRoleArn: 'arn:aws:iam::123456789012:role/platform-customer-execution',
        containerDefinitions: [
          {
            name: 'customer',
            image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/customer:bootstrap',
            essential: true,
            readonlyRootFilesystem: true,
            environment: [{ name: 'LOG_LEVEL', value: 'info' }],
          },
        ],
        tags: [{ key: 'Service', value: 'customer' }],
      }),
    );
    firstArn = td.taskDefinition?.taskDefinitionArn ?? '';
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'platform',
        serviceName: 'customer',
        taskDefinition: firstArn,
        desiredCount: 2,
        launchType: 'FARGATE',
      }),
    );
  }, 60_000);

  afterAll(() => {
    moto?.kill();
  });

  const image = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/customer:3f2a1b9';

  const summaryFile = () => join(mkdtempSync(join(tmpdir(), 'summary-')), 'summary.md');

  it('--dry-run says what it would do, changes nothing, and says so in the step summary', async () => {
    const taskDefinitions = async () =>
      (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'platform-customer' }))).taskDefinitionArns;
    const before = await taskDefinitions();
    const summary = summaryFile();
    const run = await deploy(
      endpoint,
      ['--cluster', 'platform', '--service', 'customer', '--image', image, '--dry-run'],
      { GITHUB_STEP_SUMMARY: summary },
    );
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain(':bootstrap -> 123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/customer:3f2a1b9');
    expect(run.out).toContain('nothing changed');
    expect(await taskDefinitions()).toEqual(before);
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'platform', services: ['customer'] })))
      .services?.[0];
    expect(service?.taskDefinition).toBe(firstArn);
    const text = readFileSync(summary, 'utf8');
    expect(text).toContain('### ECS deploy customer: OK');
    expect(text).toContain('dry-run: dry run');
  });

  it('registers a revision with the new image (everything else kept, tags too), points the service at it and follows the deployment to COMPLETED', async () => {
    const summary = summaryFile();
    const run = await deploy(
      endpoint,
      ['--cluster', 'platform', '--service', 'customer', '--image', image, '--poll-interval', '0.2', '--timeout', '30'],
      { GITHUB_STEP_SUMMARY: summary },
    );
    expect(run.code, run.out).toBe(0);
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'platform', services: ['customer'] })))
      .services?.[0];
    expect(service?.taskDefinition).toMatch(/platform-customer:2$/);
    expect(run.out).toContain(`customer: OK: 2/2 tasks running ${service?.taskDefinition}`);
    const next = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: service?.taskDefinition, include: ['TAGS'] }),
    );
    const container = next.taskDefinition?.containerDefinitions?.[0];
    expect(container?.image).toBe(image);
    expect(container?.readonlyRootFilesystem).toBe(true);
    expect(container?.environment).toEqual([{ name: 'LOG_LEVEL', value: 'info' }]);
    expect(next.taskDefinition).toMatchObject({
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
      executionRoleArn: 'arn:aws:iam::123456789012:role/platform-customer-execution',
    });
    expect(next.tags).toEqual([{ key: 'Service', value: 'customer' }]);
    const text = readFileSync(summary, 'utf8');
    expect(text).toContain('### ECS deploy customer: OK');
    expect(text).toContain(`| Image | \`${image}\` |`);
    expect(text).toContain(`| Previous task definition | \`${firstArn}\` |`);
  });

  it("--keep-image redeploys the running image on the family's latest revision (configuration changes)", async () => {
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'platform-customer',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '512',
        memory: '1024',
        containerDefinitions: [
          {
            name: 'customer',
            image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/customer:bootstrap',
            essential: true,
          },
        ],
      }),
    ); // what a Terraform change registers
    const run = await deploy(endpoint, [
      '--cluster',
      'platform',
      '--service',
      'customer',
      '--keep-image',
      '--poll-interval',
      '0.2',
    ]);
    expect(run.code, run.out).toBe(0);
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'platform', services: ['customer'] })))
      .services?.[0];
    const next = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service?.taskDefinition }));
    expect(next.taskDefinition?.cpu).toBe('512');
    expect(next.taskDefinition?.containerDefinitions?.[0]?.image).toBe(image);
  });

  it('fails with a clear message for a service that does not exist, and 2 for bad usage', async () => {
    const missing = await deploy(endpoint, ['--cluster', 'platform', '--service', 'billing', '--image', image]);
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/billing: FAILED: service billing in cluster platform: MISSING|not found/);
    expect((await deploy(endpoint, ['--cluster', 'platform', '--service', 'customer'])).code).toBe(2);
    expect(
      (await deploy(endpoint, ['--cluster', 'platform', '--service', 'customer', '--image', image, '--keep-image']))
        .code,
    ).toBe(2);
    expect((await deploy(endpoint, ['--cluster', 'platform', '--service', 'customer', '--image', 'latest'])).code).toBe(
      2,
    );
    expect(
      (await deploy(endpoint, ['--cluster', 'platform', '--service', 'customer', '--image', image, '--timeout', '-1']))
        .code,
    ).toBe(2);
  });
});

describe('the next revision', () => {
  it('is the base revision without the fields RegisterTaskDefinition refuses, with one image replaced', () => {
    const base = {
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/platform-products:7',
      family: 'platform-products',
      revision: 7,
      status: 'ACTIVE' as const,
      requiresAttributes: [{ name: 'ecs.capability.execution-role-awslogs' }],
      compatibilities: ['EC2' as const, 'FARGATE' as const],
      registeredAt: new Date(),
      registeredBy: 'arn:aws:iam::123456789012:role/terraform',
      deregisteredAt: new Date(),
      cpu: '256',
      containerDefinitions: [
        { name: 'products', image: 'repo/products:old' },
        { name: 'sidecar', image: 'repo/sidecar:1' },
      ],
    };
    const next = nextRevision(base, [{ key: 'Service', value: 'products' }], 'products', 'repo/products:new');
    for (const field of [
      'taskDefinitionArn',
      'revision',
      'status',
      'requiresAttributes',
      'compatibilities',
      'registeredAt',
      'registeredBy',
      'deregisteredAt',
    ]) {
      expect(next.input, field).not.toHaveProperty(field);
    }
    expect(next.input).toMatchObject({
      family: 'platform-products',
      cpu: '256',
      tags: [{ key: 'Service', value: 'products' }],
    });
    expect(next.input.containerDefinitions).toEqual([
      { name: 'products', image: 'repo/products:new' },
      { name: 'sidecar', image: 'repo/sidecar:1' },
    ]);
    expect(next.previousImage).toBe('repo/products:old');
    expect(() => nextRevision(base, undefined, 'billing', 'repo/billing:1')).toThrow(/no container billing/);
  });
});

/** deploy-ecs against a fake ECS endpoint playing `scenario`; the run, the fake's record, the step summary. */
async function withFake(scenario: Scenario, extra: string[] = []) {
  const fake: FakeEcs = await startFakeEcs(scenario);
  const summary = join(mkdtempSync(join(tmpdir(), 'summary-')), 'summary.md');
  const args = ['--cluster', 'platform', '--service', 'products', '--image', fakeImage, '--poll-interval', '0.05'];
  try {
    const run = await deploy(fake.url, [...args, ...extra], { GITHUB_STEP_SUMMARY: summary });
    return { run, fake, summary: readFileSync(summary, 'utf8') };
  } finally {
    await fake.close();
  }
}
const fakeImage = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/products:9c8d7e6';

describe('deploy-ecs following the rollout (fake ECS endpoint)', () => {
  const image = fakeImage;

  it('success: waits for COMPLETED with every task running, streams events, writes the summary', async () => {
    const { run, fake, summary } = await withFake('success', ['--timeout', '30']);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain(
      'products: OK: 2/2 tasks running arn:aws:ecs:eu-west-1:123456789012:task-definition/platform-production-products:8',
    );
    expect(run.out).toContain('event: (service products) tick 1');
    expect(run.out).toContain('event: (service products) tick 4'); // the look that saw it COMPLETED 2/2
    expect(run.out.match(/tick 1$/gm)).toHaveLength(1); // each event once
    expect(run.out).not.toContain('tick 0'); // an event from before the update is not news
    const registered = fake.state.registered[0] ?? {};
    for (const field of [
      'taskDefinitionArn',
      'revision',
      'status',
      'requiresAttributes',
      'compatibilities',
      'registeredAt',
      'registeredBy',
    ]) {
      expect(registered, field).not.toHaveProperty(field);
    }
    expect(registered).toMatchObject({
      family: 'platform-production-products',
      cpu: '256',
      tags: [{ key: 'Service', value: 'products' }],
    });
    expect(summary).toContain('### ECS deploy products: OK');
    expect(summary).toContain(image);
  });

  it('a deployment not listed yet on the first look is waited for, not taken for a rollback', async () => {
    const { run, fake } = await withFake('lagging', ['--timeout', '30']);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('products: OK: 2/2 tasks running');
    expect(fake.state.updates).toHaveLength(1);
  });

  it('a FAILED rollout fails at once with ECS’s reason and why tasks stopped', async () => {
    const { run, summary } = await withFake('failed', ['--timeout', '30']);
    expect(run.code).toBe(1);
    expect(run.out).toContain('rollout failed: ECS deployment circuit breaker: tasks failed to start.');
    expect(run.out).toContain(
      'task stopped: abc123: Essential container in task exited (products: CannotPullContainerError: image not found)',
    );
    expect(summary).toContain('### ECS deploy products: FAILED');
    expect(summary).toContain('CannotPullContainerError');
  });

  it('a deployment the circuit breaker rolled back is reported as such', async () => {
    const { run, fake, summary } = await withFake('rolled-back', ['--timeout', '30']);
    expect(run.code).toBe(1);
    expect(run.out).toContain(
      'products: FAILED: the deployment is gone and the service runs arn:aws:ecs:eu-west-1:123456789012:task-definition/platform-production-products:7: the circuit breaker rolled it back',
    );
    expect(run.out).toContain('task stopped: abc123');
    expect(fake.state.updates).toHaveLength(1); // the script itself did not roll back
    expect(summary).toContain('rolled-back');
  });

  it('past the deadline it fails, and with --rollback-on-timeout points the service back', async () => {
    const stuck = await withFake('stuck', ['--timeout', '0.5']);
    expect(stuck.run.code).toBe(1);
    expect(stuck.run.out).toMatch(/not completed after \d+ s \(IN_PROGRESS, 1\/2 running\)/);
    expect(stuck.fake.state.updates).toHaveLength(1);
    expect(stuck.summary).toContain('timed-out');
    const back = await withFake('stuck', ['--timeout', '0.5', '--rollback-on-timeout']);
    expect(back.run.code).toBe(1);
    expect(back.fake.state.updates).toEqual([
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/platform-production-products:8',
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/platform-production-products:7',
    ]);
    expect(back.run.out).toContain(
      'rolled back to arn:aws:ecs:eu-west-1:123456789012:task-definition/platform-production-products:7',
    );
  });
});

describe('deploy-ecs blue/green (fake ECS endpoint: the service is tagged deploy:strategy=BLUE_GREEN)', () => {
  const newRevision = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/platform-production-products:8';

  it('applies the tags as an ECS blue/green deployment, checks green through the test listener at the paused hook, continues, follows every stage to SUCCESSFUL', async () => {
    const { run, fake, summary } = await withFake('bg-success', ['--timeout', '30']);
    expect(run.code, run.out).toBe(0);

    const update = fake.state.updateBodies[0] ?? {};
    expect(update).toMatchObject({ taskDefinition: newRevision });
    expect(update.deploymentConfiguration).toEqual({
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      alarms: { alarmNames: ['platform-production-products-target-5xx'], enable: true, rollback: true },
      strategy: 'BLUE_GREEN',
      bakeTimeInMinutes: 10,
      lifecycleHooks: [
        {
          targetType: 'PAUSE',
          lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
          timeoutConfiguration: { timeoutInMinutes: 30, action: 'ROLLBACK' },
        },
      ],
    });
    const tag = (key: string) => BLUE_GREEN_TAGS.find((t) => t.key === `deploy:${key}`)?.value;
    expect(update.loadBalancers).toEqual([
      {
        targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/platform-products/1',
        containerName: 'products',
        containerPort: 8080,
        advancedConfiguration: {
          alternateTargetGroupArn: tag('alternate-target-group'),
          productionListenerRule: tag('production-rule'),
          testListenerRule: tag('test-rule'),
          roleArn: tag('role'),
        },
      },
    ]);

    // the check task: the new revision, the service's own network, the test listener's URL
    expect(fake.state.runTasks).toHaveLength(1);
    const check = fake.state.runTasks[0] as {
      taskDefinition: string;
      startedBy: string;
      networkConfiguration: unknown;
      overrides: { containerOverrides: Array<{ name: string; command: string[]; environment: unknown[] }> };
    };
    expect(check.taskDefinition).toBe(newRevision);
    expect(check.startedBy).toBe('deploy-check');
    expect(check.networkConfiguration).toEqual({
      awsvpcConfiguration: {
        subnets: ['subnet-a', 'subnet-b'],
        securityGroups: ['sg-tasks'],
        assignPublicIp: 'DISABLED',
      },
    });
    const override = check.overrides.containerOverrides[0];
    expect(override?.name).toBe('products');
    expect(override?.command.slice(0, 3)).toEqual(['--input-type=module', '-e', GREEN_CHECK_PROGRAM]);
    expect(override?.environment).toContainEqual({ name: 'GREEN_CHECK_URL', value: tag('test-url') });
    // the platform's three services are there: the order flow runs too
    expect(override?.environment).toContainEqual({ name: 'GREEN_CHECK_FLOW', value: 'order' });
    // ECS takes at most 8,192 characters of overrides
    expect(JSON.stringify(check.overrides).length).toBeLessThan(8192);

    // continued only after the check, once
    expect(fake.state.continues).toEqual([
      { serviceDeploymentArn: SERVICE_DEPLOYMENT, hookId: 'hook-1', action: 'CONTINUE' },
    ]);
    expect(fake.state.stops).toEqual([]);

    const stages = [...run.out.matchAll(/products: stage (\w+)/g)].map((m) => m[1]);
    expect(stages).toEqual([
      'SCALE_UP',
      'TEST_TRAFFIC_SHIFT',
      'POST_TEST_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'BAKE_TIME',
      'CLEAN_UP',
    ]);
    expect(run.out.indexOf('pre-switch check passed')).toBeLessThan(run.out.indexOf('stage PRODUCTION_TRAFFIC_SHIFT'));
    expect(run.out).toContain('stage BAKE_TIME: 10 min with blue still running');
    expect(run.out).toContain('products: OK: blue/green: 2/2 tasks of the green revision serve production');
    expect(run.out).not.toContain('task stopped: check1'); // the check task stops by design
    expect(summary).toContain('### ECS deploy products: OK');
    expect(summary).toContain('| Strategy | blue/green |');
    expect(summary).toContain(
      '**Stages**: SCALE_UP > TEST_TRAFFIC_SHIFT > POST_TEST_TRAFFIC_SHIFT > PRODUCTION_TRAFFIC_SHIFT',
    );
  });

  it('a failed check rolls back at the hook: production traffic never moves to green', async () => {
    const { run, fake, summary } = await withFake('bg-check-fails', ['--timeout', '30']);
    expect(run.code).toBe(1);
    expect(fake.state.continues).toEqual([
      { serviceDeploymentArn: SERVICE_DEPLOYMENT, hookId: 'hook-1', action: 'ROLLBACK' },
    ]);
    expect(run.out).toContain('pre-switch check FAILED: exit 1');
    expect(run.out).toContain('rolled back: no production request reached green');
    expect(run.out).not.toContain('stage PRODUCTION_TRAFFIC_SHIFT');
    expect(run.out).toContain(
      'products: FAILED: rolled back to the blue revision: the pre-switch check failed (exit 1',
    );
    expect(summary).toContain('rolled-back');
  });

  it('an alarm during the bake: ECS rolls back, and the report names the alarm', async () => {
    const { run, fake } = await withFake('bg-alarm', ['--timeout', '30']);
    expect(run.code).toBe(1);
    expect(fake.state.continues.map((c) => c.action)).toEqual(['CONTINUE']);
    expect(run.out).toContain(
      'products: FAILED: rolled back to the blue revision: alarm platform-production-products-target-5xx went off',
    );
  });

  it('--during-bake runs the command once the bake starts: it fails, the deployment is stopped with a rollback', async () => {
    const failing = await withFake('bg-success', [
      '--timeout',
      '30',
      '--during-bake',
      `${process.execPath} -e "console.log('smoke: order step failed'); process.exit(3)"`,
    ]);
    expect(failing.run.code).toBe(1);
    expect(failing.fake.state.stops).toEqual([{ serviceDeploymentArn: SERVICE_DEPLOYMENT, stopType: 'ROLLBACK' }]);
    expect(failing.run.out).toContain('  | smoke: order step failed');
    expect(failing.run.out).toContain(
      'products: FAILED: rolled back to the blue revision: the --during-bake command exited 3',
    );

    const passing = await withFake('bg-success', [
      '--timeout',
      '30',
      '--during-bake',
      `${process.execPath} -e "process.exit(0)"`,
    ]);
    expect(passing.run.code, passing.run.out).toBe(0);
    expect(passing.run.out).toContain('the --during-bake command passed');
    expect(passing.fake.state.stops).toEqual([]);
  });

  it('past the deadline it fails, and with --rollback-on-timeout stops the deployment with a rollback', async () => {
    const stuck = await withFake('bg-stuck', ['--timeout', '0.5']);
    expect(stuck.run.code).toBe(1);
    expect(stuck.run.out).toMatch(/not completed after \d+ s \(IN_PROGRESS, stage SCALE_UP\)/);
    expect(stuck.fake.state.stops).toEqual([]);
    const back = await withFake('bg-stuck', ['--timeout', '0.5', '--rollback-on-timeout']);
    expect(back.run.code).toBe(1);
    expect(back.fake.state.stops).toEqual([{ serviceDeploymentArn: SERVICE_DEPLOYMENT, stopType: 'ROLLBACK' }]);
    expect(back.run.out).toContain('rollback to the blue revision requested');
  });

  it('refuses to deploy rolling a service that deploys blue/green today (its traffic may be on the alternate target group)', async () => {
    const { run, fake } = await withFake('bg-was-blue-green', ['--timeout', '30']);
    expect(run.code).toBe(1);
    expect(run.out).toContain('deploys blue/green today and its deploy:strategy tag now says ROLLING');
    expect(fake.state.updates).toEqual([]);

    // once checked, --switch-to-rolling deploys rolling and takes the blue/green settings off
    const back = await withFake('bg-was-blue-green', ['--timeout', '30', '--switch-to-rolling']);
    expect(back.run.code, back.run.out).toBe(0);
    const update = back.fake.state.updateBodies[0] as {
      deploymentConfiguration: Record<string, unknown>;
      loadBalancers: unknown[];
    };
    expect(update.deploymentConfiguration).toMatchObject({ strategy: 'ROLLING', lifecycleHooks: [] });
    expect(update.deploymentConfiguration).not.toHaveProperty('bakeTimeInMinutes');
    expect(update.loadBalancers).toEqual([
      {
        targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/platform-products/1',
        containerName: 'products',
        containerPort: 8080,
      },
    ]);
    expect(back.run.out).toContain('back to rolling deployments');
    expect(back.run.out).toContain('products: OK: 2/2 tasks running');
  });
});

describe('the pre-switch check program (run by node, as in the check task, against a stand-in service)', () => {
  async function serve(ready: number, service = 'products') {
    const { createServer } = await import('node:http');
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers['x-request-id']}`);
      res.setHeader('content-type', 'application/json');
      if (req.url === '/products/health') res.end(JSON.stringify({ status: 'ok', service }));
      else if (req.url === '/products/ready') {
        res.statusCode = ready;
        res.end(JSON.stringify({ status: ready === 200 ? 'ready' : 'unavailable' }));
      } else if (req.url === '/products/openapi.json') res.end(JSON.stringify({ openapi: '3.1.0' }));
      else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return { url: `http://127.0.0.1:${port}/products`, seen, close: () => new Promise((r) => server.close(r)) };
  }

  function runCheck(url: string, env: Record<string, string> = {}) {
    return new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', GREEN_CHECK_PROGRAM],
        {
          env: {
            PATH: process.env.PATH ?? '',
            GREEN_CHECK_URL: url,
            SERVICE_NAME: 'products',
            GREEN_CHECK_ID: 'deploy-check-bg1',
            ...env,
          },
          timeout: 30_000,
        },
        (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }),
      );
    });
  }

  it('passes when health names the service, ready is 200 and the OpenAPI document is 3.x; each request carries the check id', async () => {
    const target = await serve(200);
    try {
      const run = await runCheck(target.url);
      expect(run.code, run.out).toBe(0);
      expect(
        run.out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).pass),
      ).toEqual([true, true, true]);
      expect(target.seen).toEqual([
        '/products/health deploy-check-bg1-health',
        '/products/ready deploy-check-bg1-ready',
        '/products/openapi.json deploy-check-bg1-openapi.json',
      ]);
    } finally {
      await target.close();
    }
  });

  it('fails (after 3 tries) when the green revision is not ready, or is another service', async () => {
    const notReady = await serve(503);
    try {
      const run = await runCheck(notReady.url);
      expect(run.code).toBe(1);
      expect(run.out).toContain('"path":"ready","status":503,"pass":false,"attempt":3');
    } finally {
      await notReady.close();
    }
    const wrong = await serve(200, 'customer');
    try {
      const run = await runCheck(wrong.url);
      expect(run.code).toBe(1);
      expect(run.out).toContain('"path":"health","status":200,"pass":false');
    } finally {
      await wrong.close();
    }
  }, 30_000);

  it('GREEN_CHECK_FLOW=order: through the listener, an order for a product it creates is CONFIRMED, as an admin it signs for itself', async () => {
    const platform = await startPlatform({}, { discard: true });
    try {
      const flow = { GREEN_CHECK_FLOW: 'order', JWT_SECRET: BENCH_JWT_SECRET, ADMIN_EMAILS: ADMIN_EMAIL };
      const run = await runCheck(`${platform.url}/products`, flow);
      expect(run.code, run.out).toBe(0);
      expect(run.out).toMatch(/"flow":"order","pass":true,"order":"[0-9a-f-]{36}"/);

      // a green that refuses the task's admin (another key): the flow fails, saying at which step
      const refused = await runCheck(`${platform.url}/products`, {
        ...flow,
        JWT_SECRET: 'another-secret-0123456789abcdef0123',
      });
      expect(refused.code).toBe(1);
      expect(refused.out).toMatch(
        /"flow":"order","pass":false,"step":"create a product","error":"create a product: 401/,
      );

      // no admin to act as: fails, naming what is missing
      const noAdmin = await runCheck(`${platform.url}/products`, { ...flow, ADMIN_EMAILS: '' });
      expect(noAdmin.code).toBe(1);
      expect(noAdmin.out).toContain('no JWT_SECRET or ADMIN_EMAILS');
    } finally {
      await platform.stop();
    }
  }, 60_000);
});
