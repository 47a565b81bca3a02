/**
 * scripts/release.ts rollout (environment.yml's rollout step) for a service whose deploy:strategy
 * tag says BLUE_GREEN: it goes through scripts/lib/ecs-deploy.ts like deploy-ecs.ts, so the
 * release deploys it the blue/green way (pre-switch check at the paused hook, then every stage),
 * rolls it back when the check fails or the --during-bake command does, and refuses, by name, to
 * roll a blue/green service rolling.
 * Against the fake ECS endpoint of deploy-ecs's tests (moto has no service deployments).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, startPlatform } from '../../bench/platform.ts';
import { type Scenario, SERVICE_DEPLOYMENT, startFakeEcs } from './fake-ecs.ts';

const script = join(import.meta.dirname, '..', 'release.ts');
const image = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-production/products:9c8d7e6';
const targets = {
  products: {
    cluster: 'platform',
    service: 'products',
    repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-production/products',
    family: 'platform-production-products',
  },
};

async function rollout(scenario: Scenario, extra: string[] = [], env: Record<string, string> = {}) {
  const fake = await startFakeEcs(scenario);
  const summaryFile = join(mkdtempSync(join(tmpdir(), 'release-bg-')), 'summary.md');
  writeFileSync(summaryFile, '');
  try {
    const run = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          script,
          'rollout',
          '--plan',
          JSON.stringify([{ service: 'products', image }]),
          '--targets',
          JSON.stringify(targets),
          '--timeout',
          '30',
          '--endpoint',
          fake.url,
          '--region',
          'eu-west-1',
          ...extra,
        ],
        {
          env: {
            PATH: process.env.PATH ?? '',
            AWS_ACCESS_KEY_ID: 'testing',
            AWS_SECRET_ACCESS_KEY: 'testing',
            RELEASE_POLL_MS: '50',
            GITHUB_STEP_SUMMARY: summaryFile,
            ...env,
          },
          cwd: join(import.meta.dirname, '..', '..'),
          timeout: 60_000,
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout, err: stderr }),
      );
    });
    return { run, fake, summary: readFileSync(summaryFile, 'utf8') };
  } finally {
    await fake.close();
  }
}

describe('release rollout of a blue/green service (fake ECS endpoint)', () => {
  it('deploys it blue/green: the strategy and hook in the update, the check task, CONTINUE, every stage to SUCCESSFUL', async () => {
    const { run, fake, summary } = await rollout('bg-success');
    expect(run.code, run.out + run.err).toBe(0);
    const update = fake.state.updateBodies[0] as { deploymentConfiguration?: { strategy?: string } };
    expect(update.deploymentConfiguration?.strategy).toBe('BLUE_GREEN');
    expect(fake.state.runTasks).toHaveLength(1);
    expect(fake.state.continues).toEqual([
      { serviceDeploymentArn: SERVICE_DEPLOYMENT, hookId: 'hook-1', action: 'CONTINUE' },
    ]);
    const stages = [...run.out.matchAll(/\[products\] products: stage (\w+)/g)].map((m) => m[1]);
    expect(stages).toEqual([
      'SCALE_UP',
      'TEST_TRAFFIC_SHIFT',
      'POST_TEST_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'BAKE_TIME',
      'CLEAN_UP',
    ]);
    expect(run.out).toContain('products: OK: blue/green: 2/2 tasks of the green revision serve production');
    expect(summary).toContain('| Strategy | blue/green |');
  });

  it('a failed pre-switch check rolls it back at the hook, and the release fails naming the service', async () => {
    const { run, fake } = await rollout('bg-check-fails');
    expect(run.code).toBe(1);
    expect(fake.state.continues.map((c) => c.action)).toEqual(['ROLLBACK']);
    expect(run.out).not.toContain('stage PRODUCTION_TRAFFIC_SHIFT');
    expect(run.err).toContain('::error::products: rolled back to the blue revision: the pre-switch check failed');
  });

  it('--during-bake runs the command in the bake time: it fails, the release stops the deployment with a rollback', async () => {
    const { run, fake } = await rollout('bg-success', [
      '--during-bake',
      `${process.execPath} -e "console.log('smoke: order step failed'); process.exit(3)"`,
    ]);
    expect(run.code).toBe(1);
    expect(run.out).toContain('[products]   | smoke: order step failed');
    expect(fake.state.stops).toEqual([{ serviceDeploymentArn: SERVICE_DEPLOYMENT, stopType: 'ROLLBACK' }]);
    expect(run.err).toContain(
      '::error::products: rolled back to the blue revision: the --during-bake command exited 3',
    );
  });

  it("environment.yml's --during-bake: the smoke flow itself, against the environment's URL, with its admin", async () => {
    const workflow = readFileSync(
      join(import.meta.dirname, '..', '..', '.github', 'workflows', 'environment.yml'),
      'utf8',
    );
    const command = /--during-bake '([^']+)'/.exec(workflow)?.[1];
    expect(command).toBeDefined();
    const platform = await startPlatform({}, { discard: true });
    try {
      const { run, fake } = await rollout('bg-success', ['--during-bake', command ?? ''], {
        BASE_URL: platform.url,
        SMOKE_ADMIN_EMAIL: ADMIN_EMAIL, // an admin of that platform (ADMIN_EMAILS)
        SMOKE_ADMIN_PASSWORD: 'smoke-admin-password',
      });
      expect(run.code, run.out + run.err).toBe(0);
      expect(run.out).toMatch(/\| +ok +\d+ concurrent buyers, \d+ in stock: exactly that many CONFIRMED/);
      expect(run.out).toContain('the --during-bake command passed');
      expect(fake.state.stops).toEqual([]);
    } finally {
      await platform.stop();
    }
  });

  it('a service that deploys blue/green today but whose tag says ROLLING is not rolled silently: it fails, saying why', async () => {
    const { run, fake } = await rollout('bg-was-blue-green');
    expect(run.code).toBe(1);
    expect(fake.state.updateBodies).toEqual([]);
    expect(run.err).toMatch(/::error::products: .*deploys blue\/green today.*--switch-to-rolling/);
  });
});
