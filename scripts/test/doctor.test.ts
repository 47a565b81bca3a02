/**
 * `npm run doctor` on a fork set up by hand, as setup leaves one: the state bucket and the roles
 * in moto, the bootstrap's state with its outputs, the environment files, the repository's
 * settings in the fake GitHub. It finds nothing to fix; then each kind of mistake is made, one
 * at a time, and doctor must name it (FIX, exit 1) and say what to do.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateRoleCommand, DeleteRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from './fake-github.ts';
import { type Moto, startMoto } from './ops-moto.ts';
import { createFork, type Fork, type Run, run } from './setup-fork.ts';

const REGION = 'eu-west-1';
const BUCKET = `platform-tfstate-123456789012-${REGION}`;
const ACCOUNT = 'arn:aws:iam::123456789012';
const ENVS = ['staging', 'production'];
const ADMIN = 'owner@example.com';
const SMOKE = 'owner+smoke@example.com';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

let moto: Moto;
let fork: Fork;
let github: FakeGitHub;
let env: Record<string, string | undefined>;
let iam: IAMClient;

const outputs = {
  state_bucket: BUCKET,
  region: REGION,
  plan_role_arn: `${ACCOUNT}:role/platform-github-plan`,
  deploy_role_arns: Object.fromEntries(ENVS.map((e) => [e, `${ACCOUNT}:role/platform-deploy-${e}`])),
  permissions_boundary_arn: `${ACCOUNT}:policy/platform-stack-boundary`,
};

const trust = (context: string, repo = 'acme/shop') =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: `${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': [`repo:${repo}:${context}`, `repo:acme@7/shop@42:${context}`],
          },
        },
      },
    ],
  });

const doctor = (o: { env?: Record<string, string | undefined>; args?: string[] } = {}) =>
  run('doctor', fork, o.args ?? [], { env: { ...env, ...o.env }, timeoutMs: 60_000 });
const fixes = (r: Run) => r.stdout.split('\n').filter((l) => l.startsWith('  FIX   '));

/** Makes one mistake, runs doctor, undoes it; doctor must exit 1 with a FIX line matching. */
async function expectFix(
  mistake: () => void | Promise<void>,
  undo: () => void | Promise<void>,
  fix: RegExp,
  o: Parameters<typeof doctor>[0] = {},
) {
  await mistake();
  try {
    const r = await doctor(o);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(
      fixes(r).some((l) => fix.test(l)),
      `no FIX line matching ${fix}:\n${r.stdout}`,
    ).toBe(true);
    return r;
  } finally {
    await undo();
  }
}

/** Replaces text in a fork file for one check. */
function edit(file: string, from: RegExp | string, to: string) {
  const before = fork.read(file);
  const after = before.replace(from, to);
  expect(after, `${file}: nothing to replace`).not.toBe(before);
  return { mistake: () => fork.write(file, after), undo: () => fork.write(file, before) };
}

beforeAll(async () => {
  moto = await startMoto();
  fork = createFork('acme/shop');
  github = await startFakeGitHub({
    owner: 'acme',
    name: 'shop',
    id: 42,
    ownerId: 7,
    workflows: [{ path: '.github/workflows/ci.yml', state: 'active' }],
  });
  env = { AWS_ENDPOINT_URL: moto.endpoint, GITHUB_API_URL: github.url, GH_TOKEN: github.token };

  // AWS as the bootstrap leaves it
  const s3 = new S3Client({ endpoint: moto.endpoint, region: REGION, credentials, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  iam = new IAMClient({ endpoint: moto.endpoint, region: REGION, credentials });
  await iam.send(
    new CreateRoleCommand({ RoleName: 'platform-github-plan', AssumeRolePolicyDocument: trust('pull_request') }),
  );
  for (const e of ENVS)
    await iam.send(
      new CreateRoleCommand({ RoleName: `platform-deploy-${e}`, AssumeRolePolicyDocument: trust(`environment:${e}`) }),
    );

  // the bootstrap's local state, the environment files
  mkdirSync(join(fork.dir, 'infra/terraform/bootstrap'), { recursive: true });
  writeFileSync(
    join(fork.dir, 'infra/terraform/bootstrap/terraform.tfstate'),
    JSON.stringify({
      version: 4,
      outputs: Object.fromEntries(Object.entries(outputs).map(([k, value]) => [k, { value, type: 'string' }])),
      resources: [
        { mode: 'managed', type: 'aws_s3_bucket', name: 'state', instances: [{ attributes: { bucket: BUCKET } }] },
      ],
    }),
  );
  for (const e of ENVS) {
    const tfvars = `infra/terraform/environments/${e}.tfvars`;
    // as setup writes them: the name, and both admins (staging's template has no admin_emails line)
    const text = fork
      .read(tfvars)
      .replace(/^admin_emails = \[\]\n/m, '')
      .replace(/^environment/m, 'name        = "platform"\nenvironment');
    fork.write(tfvars, `${text}admin_emails = ["${ADMIN}", "${SMOKE}"]\n`);
    for (const b of [`${e}.s3.tfbackend`, `${e}.credentials.s3.tfbackend`]) {
      const file = `infra/terraform/environments/${b}`;
      fork.write(file, fork.read(file).replace('REPLACE-WITH-bootstrap-state_bucket-output', BUCKET));
    }
  }

  // GitHub as setup leaves it
  github.repo.variables.set('AWS_REGION', REGION);
  github.repo.variables.set('TF_STATE_BUCKET', BUCKET);
  github.repo.variables.set('AWS_PLAN_ROLE_ARN', outputs.plan_role_arn);
  for (const e of ENVS) {
    github.seedEnvironment(e, {
      reviewers: e === 'production' ? [7] : [],
      branches: ['main'],
      variables: { AWS_DEPLOY_ROLE_ARN: outputs.deploy_role_arns[e] ?? '', SMOKE_ADMIN_EMAIL: SMOKE },
      secrets: { SMOKE_ADMIN_PASSWORD: 'x'.repeat(32) },
    });
  }
  github.repo.protection = { checks: ['ci-ok'], requiresPullRequest: true, body: {} };
  github.repo.workflowPermissions = 'read';
}, 60_000);

afterAll(async () => {
  await github?.close();
  moto?.close();
  fork?.cleanup();
});

describe('npm run doctor', () => {
  it('a complete setup: every line ok, exit 0, and fast (every check at once)', async () => {
    const r = await doctor();
    expect(fixes(r), r.stdout).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok    region eu-west-1: the same in 8 place(s)');
    expect(r.stdout).toContain(`ok    state bucket ${BUCKET}: the same in 6 place(s)`);
    expect(r.stdout).toContain('ok    name platform: the same in 4 place(s)');
    expect(r.stdout).toContain(
      'ok    deploy role of production platform-deploy-production trusts acme/shop environment:production',
    );
    expect(r.stdout).toContain('ok    secret SMOKE_ADMIN_PASSWORD of environment production is set');
    expect(r.stdout).toContain('ok    main requires pull requests and ci-ok');
    expect(r.stdout).toMatch(/All good/);
    // secrets are checked by name: their values are never asked for
    expect(github.requests.some((q) => /secrets\/public-key|secrets\/SMOKE/.test(q.path))).toBe(false);
    process.stdout.write(
      `doctor: ${r.ms} ms for ${r.stdout.split('\n').filter((l) => /^ {2}(ok|warn|FIX) /.test(l)).length} lines, ${github.requests.length} GitHub requests\n`,
    );
  });
});

describe('doctor names each mistake', () => {
  it('tools: terraform missing', async () => {
    const path = (process.env.PATH ?? '')
      .split(':')
      .filter((d) => !/terraform/.test(d) && d !== '/usr/local/bin')
      .join(':');
    await expectFix(
      () => {},
      () => {},
      /^ {2}FIX {3}terraform: not on PATH; install 1\.11\.0 or newer/,
      { env: { PATH: path } },
    );
  });

  it('AWS: no credentials', async () => {
    await expectFix(
      () => {},
      () => {},
      /^ {2}FIX {3}AWS: no AWS credentials found: sign in first/,
      {
        env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: 'nobody' },
      },
    );
  });

  it('region: one tfvars differs from the rest (and from the backends, AWS_REGION, the bootstrap)', async () => {
    const e = edit(
      'infra/terraform/environments/staging.tfvars',
      /^region(\s+)= "eu-west-1"/m,
      'region$1= "eu-central-1"',
    );
    const r = await expectFix(
      e.mistake,
      e.undo,
      /^ {2}FIX {3}region differs: eu-central-1 \(staging\.tfvars\), eu-west-1 \(production\.tfvars, .*AWS_REGION\); use one region everywhere/,
    );
    expect(fixes(r)).toHaveLength(1);
  });

  it('name: one tfvars differs', async () => {
    const e = edit(
      'infra/terraform/environments/production.tfvars',
      'name        = "platform"',
      'name        = "shop"',
    );
    await expectFix(
      e.mistake,
      e.undo,
      /^ {2}FIX {3}name differs: platform \(staging\.tfvars, bootstrap, AWS_PLAN_ROLE_ARN\), shop \(production\.tfvars\)/,
    );
  });

  it('backends: still REPLACE-WITH', async () => {
    const e = edit(
      'infra/terraform/environments/production.credentials.s3.tfbackend',
      BUCKET,
      'REPLACE-WITH-bootstrap-state_bucket-output',
    );
    await expectFix(
      e.mistake,
      e.undo,
      /^ {2}FIX {3}backend files still name no bucket \(REPLACE-WITH\.\.\.\): production\.credentials\.s3\.tfbackend/,
    );
  });

  it('state bucket: TF_STATE_BUCKET names another bucket', async () => {
    await expectFix(
      () => void github.repo.variables.set('TF_STATE_BUCKET', 'someone-elses-bucket'),
      () => void github.repo.variables.set('TF_STATE_BUCKET', BUCKET),
      /^ {2}FIX {3}state bucket differs: .*someone-elses-bucket \(TF_STATE_BUCKET\)/,
    );
  });

  it('admin email: SMOKE_ADMIN_EMAIL is not in admin_emails of that environment', async () => {
    const vars = github.repo.environments.get('staging')?.variables;
    await expectFix(
      () => void vars?.set('SMOKE_ADMIN_EMAIL', 'robot@example.com'),
      () => void vars?.set('SMOKE_ADMIN_EMAIL', SMOKE),
      /^ {2}FIX {3}SMOKE_ADMIN_EMAIL of staging \(robot@example\.com\) is not in admin_emails of staging\.tfvars/,
    );
  });

  it('environment names: a tfvars without its GitHub environment (and a GitHub environment without tfvars is a warning)', async () => {
    const staging = github.repo.environments.get('staging');
    const r = await expectFix(
      () => {
        github.repo.environments.delete('staging');
        github.seedEnvironment('stage', { branches: ['main'] });
      },
      () => {
        github.repo.environments.delete('stage');
        if (staging) github.repo.environments.set('staging', staging);
      },
      /^ {2}FIX {3}GitHub environment staging does not exist \(staging\.tfvars does\): npm run setup creates it/,
    );
    expect(r.stdout).toContain('warn  GitHub environment stage has no stage.tfvars');
  });

  it('environment names: a tfvars whose environment value is not its file name', async () => {
    const e = edit(
      'infra/terraform/environments/staging.tfvars',
      /^environment(\s+)= "staging"/m,
      'environment$1= "stage"',
    );
    await expectFix(e.mistake, e.undo, /^ {2}FIX {3}staging\.tfvars says environment = stage: it must be staging/);
  });

  it("bootstrap outputs vs variables: an environment's AWS_DEPLOY_ROLE_ARN is another role", async () => {
    const vars = github.repo.environments.get('production')?.variables;
    await expectFix(
      () => void vars?.set('AWS_DEPLOY_ROLE_ARN', outputs.deploy_role_arns.staging ?? ''),
      () => void vars?.set('AWS_DEPLOY_ROLE_ARN', outputs.deploy_role_arns.production ?? ''),
      /^ {2}FIX {3}variable AWS_DEPLOY_ROLE_ARN of environment production = .*platform-deploy-staging, the bootstrap says .*platform-deploy-production/,
    );
  });

  it('bootstrap outputs vs variables: AWS_PLAN_ROLE_ARN missing', async () => {
    await expectFix(
      () => void github.repo.variables.delete('AWS_PLAN_ROLE_ARN'),
      () => void github.repo.variables.set('AWS_PLAN_ROLE_ARN', outputs.plan_role_arn),
      /^ {2}FIX {3}repository variable AWS_PLAN_ROLE_ARN is not set \(bootstrap:plan_role_arn\): npm run setup/,
    );
  });

  it("a repository variable of an environment's name, seen by every environment", async () => {
    await expectFix(
      () => void github.repo.variables.set('AWS_DEPLOY_ROLE_ARN', outputs.deploy_role_arns.production ?? ''),
      () => void github.repo.variables.delete('AWS_DEPLOY_ROLE_ARN'),
      /^ {2}FIX {3}repository variable AWS_DEPLOY_ROLE_ARN is seen by every environment without its own: remove it/,
    );
  });

  it('secrets: one missing (named, never read)', async () => {
    const secrets = github.repo.environments.get('production')?.secrets;
    const kept = secrets?.get('SMOKE_ADMIN_PASSWORD');
    await expectFix(
      () => void secrets?.delete('SMOKE_ADMIN_PASSWORD'),
      () => void (kept && secrets?.set('SMOKE_ADMIN_PASSWORD', kept)),
      /^ {2}FIX {3}secret SMOKE_ADMIN_PASSWORD of environment production is not set/,
    );
  });

  it('production without required reviewers', async () => {
    const production = github.repo.environments.get('production');
    await expectFix(
      () => {
        if (production) production.reviewers = [];
      },
      () => {
        if (production) production.reviewers = [{ type: 'User', id: 7 }];
      },
      /^ {2}FIX {3}environment production: no required reviewers, so production deploys without an approval/,
    );
  });

  it('an environment any branch may deploy to', async () => {
    const staging = github.repo.environments.get('staging');
    const policy = staging?.deployment_branch_policy ?? null;
    await expectFix(
      () => {
        if (staging) staging.deployment_branch_policy = null;
      },
      () => {
        if (staging) staging.deployment_branch_policy = policy;
      },
      /^ {2}FIX {3}environment staging: any branch may deploy to it \(pull requests could use its role\): allow main only/,
    );
  });

  it('branch protection: none, or without the ci-ok check', async () => {
    const protection = github.repo.protection;
    await expectFix(
      () => {
        github.repo.protection = null;
      },
      () => {
        github.repo.protection = protection;
      },
      /^ {2}FIX {3}main is not protected: anything pushed to it deploys/,
    );
    await expectFix(
      () => {
        github.repo.protection = { checks: ['lint'], requiresPullRequest: true, body: {} };
      },
      () => {
        github.repo.protection = protection;
      },
      /^ {2}FIX {3}main is protected but does not require the ci-ok check/,
    );
  });

  it('workflows a fork switched off', async () => {
    const w = github.repo.workflows[0];
    await expectFix(
      () => {
        if (w) w.state = 'disabled_fork';
      },
      () => {
        if (w) w.state = 'active';
      },
      /^ {2}FIX {3}workflows switched off: \.github\/workflows\/ci\.yml \(disabled_fork\)/,
    );
  });

  it("AWS: a deploy role that does not exist, or does not trust this repository's environment", async () => {
    await expectFix(
      () => iam.send(new DeleteRoleCommand({ RoleName: 'platform-deploy-staging' })).then(() => {}),
      () =>
        iam
          .send(
            new CreateRoleCommand({
              RoleName: 'platform-deploy-staging',
              AssumeRolePolicyDocument: trust('environment:staging'),
            }),
          )
          .then(() => {}),
      /^ {2}FIX {3}deploy role of staging .*platform-deploy-staging does not exist/,
    );
    await expectFix(
      async () => {
        await iam.send(new DeleteRoleCommand({ RoleName: 'platform-deploy-staging' }));
        await iam.send(
          new CreateRoleCommand({
            RoleName: 'platform-deploy-staging',
            AssumeRolePolicyDocument: trust('environment:production', 'someone/else'),
          }),
        );
      },
      async () => {
        await iam.send(new DeleteRoleCommand({ RoleName: 'platform-deploy-staging' }));
        await iam.send(
          new CreateRoleCommand({
            RoleName: 'platform-deploy-staging',
            AssumeRolePolicyDocument: trust('environment:staging'),
          }),
        );
      },
      /^ {2}FIX {3}deploy role of staging .* does not trust acme\/shop \(environment:staging\)/,
    );
  });

  it('the bootstrap has no deploy role for an environment the tfvars name', async () => {
    const file = join(fork.dir, 'infra/terraform/environments/qa.tfvars');
    const backends = ['qa.s3.tfbackend', 'qa.credentials.s3.tfbackend'];
    await expectFix(
      () => {
        writeFileSync(
          file,
          'name        = "platform"\nenvironment = "qa"\nregion      = "eu-west-1"\nadmin_emails = ["owner@example.com"]\n',
        );
        for (const b of backends) {
          const state = b.includes('credentials') ? 'credentials' : 'platform';
          fork.write(
            `infra/terraform/environments/${b}`,
            `bucket = "${BUCKET}"\nkey = "${state}/qa.tfstate"\nregion = "${REGION}"\n`,
          );
        }
      },
      () => void fork.git('clean', '-fq', 'infra/terraform/environments'),
      /^ {2}FIX {3}the bootstrap has no deploy role for qa/,
    );
  });
});
