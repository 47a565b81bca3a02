/**
 * `ops rotate-secret` against moto's Secrets Manager and ECS. A proxy in front of moto passes
 * every call through and, at each forced deployment, reads the JWT secret as it is at that
 * moment: so the test sees which keys the new tasks of each phase would start with.
 */
import { randomBytes } from 'node:crypto';
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../lib/ops/rotate-jwt.ts';
import {
  CLUSTER,
  createStack,
  type Moto,
  ops,
  registerRevision,
  SERVICES,
  type Stack,
  startMoto,
  startProxy,
} from './ops-moto.ts';

let moto: Moto;
let stack: Stack;
let proxy: Awaited<ReturnType<typeof startProxy>>;
/** Every forced deployment: the service, the deployment ECS answered with, the secret at that moment. */
let rolls: Array<{ service: string; deployment: string; keys: { signing: string; accepted: string } }> = [];
/** Services whose rollout the proxy reports FAILED. */
let failing = new Set<string>();
const firstKey = randomBytes(48).toString('base64url');

const keysNow = async () =>
  JSON.parse(
    (await moto.secrets.send(new GetSecretValueCommand({ SecretId: `${CLUSTER}/jwt-keys` }))).SecretString ?? '',
  ) as { signing: string; accepted: string };

beforeAll(async () => {
  moto = await startMoto();
  stack = await createStack(moto, { signing: firstKey, accepted: '' });
  const keysAtCall = new WeakMap<object, { signing: string; accepted: string }>();
  proxy = await startProxy(moto.endpoint, {
    before: async (call) => {
      if (call.action === 'UpdateService' && call.body.forceNewDeployment) keysAtCall.set(call, await keysNow());
    },
    rewrite: (call, answer) => {
      const keys = keysAtCall.get(call);
      if (keys) {
        const { deployments } = answer.service as { deployments: Array<{ id: string }> };
        rolls.push({ service: String(call.body.service), deployment: deployments[0]?.id ?? '', keys });
      }
      if (call.action === 'DescribeServices') {
        for (const s of (answer.services ?? []) as Array<{ serviceName: string; deployments: object[] }>) {
          if (!failing.has(s.serviceName)) continue;
          for (const d of s.deployments)
            Object.assign(d, { rolloutState: 'FAILED', rolloutStateReason: 'tasks failed to start' });
        }
      }
      return answer;
    },
  });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  moto?.close();
});

beforeEach(() => {
  rolls = [];
  failing = new Set();
});

describe('rotate-secret jwt', () => {
  it('phase 1 adds a new key to accepted and rolls every service; phase 2 signs with it and rolls again; no key printed', async () => {
    const run = await ops(proxy.url, ['rotate-secret', 'jwt', '--poll', '0.2']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const after = await keysNow();
    const newKey = after.signing;
    expect(newKey).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(newKey).not.toBe(firstKey);
    expect(after.accepted).toBe(firstKey);

    expect(rolls).toHaveLength(6);
    const phase1 = rolls.slice(0, 3);
    const phase2 = rolls.slice(3);
    expect(phase1.map((r) => r.service).sort()).toEqual([...SERVICES]);
    expect(phase2.map((r) => r.service).sort()).toEqual([...SERVICES]);
    for (const r of phase1) expect(r.keys).toEqual({ signing: firstKey, accepted: newKey });
    for (const r of phase2) expect(r.keys).toEqual({ signing: newKey, accepted: firstKey });
    // each roll is a deployment of its own
    expect(new Set(rolls.map((r) => r.deployment)).size).toBe(6);

    for (const key of [firstKey, newKey]) expect(run.stdout + run.stderr).not.toContain(key);
    expect(run.stdout).toContain(`signing ${fingerprint(firstKey)}, accepted ${fingerprint(newKey)}`);
    expect(run.stdout).toContain('phase 1/2 (accept the new key): new tasks for customer, products, shopping');
    expect(run.stdout.match(/: OK: 2\/2 tasks running/g)).toHaveLength(6);
    expect(run.stdout).toContain(`rotated: new tokens are signed with ${fingerprint(newKey)}`);
    expect(run.stdout).toContain('npm run rotate-secret -- jwt --retire --env production');
  });

  it('--retire empties accepted and rolls every service; with nothing to retire it changes nothing', async () => {
    const before = await keysNow();
    expect(before.accepted).not.toBe('');
    const run = await ops(proxy.url, ['rotate-secret', 'jwt', '--retire', '--poll', '0.2']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await keysNow()).toEqual({ signing: before.signing, accepted: '' });
    expect(rolls.map((r) => r.service).sort()).toEqual([...SERVICES]);
    for (const r of rolls) expect(r.keys).toEqual({ signing: before.signing, accepted: '' });

    rolls = [];
    const again = await ops(proxy.url, ['rotate-secret', 'jwt', '--retire', '--poll', '0.2']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to retire');
    expect(rolls).toHaveLength(0);
  });

  it('stops after phase 1 when a service does not roll: nothing signs with a key not everyone accepts', async () => {
    const before = await keysNow();
    failing.add('shopping');
    const run = await ops(proxy.url, ['rotate-secret', 'jwt', '--poll', '0.2']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('shopping: FAILED: rollout failed: tasks failed to start');
    expect(run.stderr).toContain('error: phase 1: shopping did not roll, so not every task accepts the new key yet');
    const after = await keysNow();
    expect(after.signing).toBe(before.signing);
    expect(after.accepted.split(',')).toHaveLength(1); // the unused new key, dropped by --retire
    expect(rolls).toHaveLength(3); // phase 1 only
  });

  it('says so when the environment has no such secret', async () => {
    const run = await ops(proxy.url, ['rotate-secret', 'jwt', '--env', 'staging']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'error: no secret platform-staging/jwt-keys in eu-west-1: is the staging stack applied?',
    );
  });
});

describe('rotate-secret docdb, amqp', () => {
  it('docdb rotates the master secret the services name in MONGO_CREDENTIALS_SECRET, waits for it, and rolls only with --roll', async () => {
    const versions = async () =>
      (await moto.secrets.send(new DescribeSecretCommand({ SecretId: stack.dbArn }))).VersionIdsToStages ?? {};
    const current = (v: Record<string, string[]>) => Object.keys(v).find((k) => v[k]?.includes('AWSCURRENT'));
    const before = current(await versions());
    const run = await ops(proxy.url, ['rotate-secret', 'docdb', '--poll', '0.2']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(current(await versions())).not.toBe(before);
    expect(run.stdout).toContain(`${stack.dbArn}: rotating (read by customer, products, shopping)`);
    expect(run.stdout).toContain('The services read the secret again when the database refuses their credentials');
    expect(proxy.calls.filter((c) => c.action === 'RotateSecret').map((c) => c.body.SecretId)).toEqual([stack.dbArn]);
    expect(rolls).toHaveLength(0);

    const rolled = await ops(proxy.url, ['rotate-secret', 'docdb', '--roll', '--poll', '0.2']);
    expect(rolled.code, rolled.stdout + rolled.stderr).toBe(0);
    expect(rolls.map((r) => r.service).sort()).toEqual([...SERVICES]);
  });

  it('docdb finds the secret through MONGO_PASSWORD in task definitions registered before MONGO_CREDENTIALS_SECRET', async () => {
    // products still runs a revision that has the password injected by ECS; the others name the ARN
    const legacy = await registerRevision(moto, stack, 'products', '2222222222222222222222222222222222222222', {
      database: 'injected',
    });
    await moto.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'products', taskDefinition: legacy }));
    const calls = proxy.calls.length;
    const run = await ops(proxy.url, ['rotate-secret', 'docdb', '--poll', '0.2']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`${stack.dbArn}: rotating (read by customer, products, shopping)`);
    const rotated = proxy.calls.slice(calls).filter((c) => c.action === 'RotateSecret');
    expect(rotated.map((c) => c.body.SecretId)).toEqual([stack.dbArn]);
  });

  it('amqp cannot be changed from outside the VPC: it says how instead and exits 1 having changed nothing', async () => {
    const calls = proxy.calls.length;
    const run = await ops(proxy.url, ['rotate-secret', 'amqp']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('rotate-secret amqp changes nothing');
    expect(run.stderr).toContain('docs/RUNBOOK.md');
    expect(proxy.calls.slice(calls).filter((c) => /^(Put|Update|Rotate)/.test(c.action))).toEqual([]);
    const unknown = await ops(proxy.url, ['rotate-secret', 'ssh']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown secret ssh; secrets: jwt, docdb, amqp');
  });
});
