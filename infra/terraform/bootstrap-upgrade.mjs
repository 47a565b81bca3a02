#!/usr/bin/env node
// The upgrade of a bootstrap from before environments (one deploy role, <name>-github-deploy,
// trusted by `production`) to one role per environment, with the real AWS provider against moto:
// applies the old bootstrap from git, then plans the current one on its state and checks what
// moved.tf promises: production's role is the old one, moved and updated in place (with
// deploy_role_names keeping its name, so its ARN in GitHub's AWS_DEPLOY_ROLE_ARN stays), nothing
// else of the old bootstrap is destroyed or replaced (bucket, key, OIDC provider, plan role,
// boundary), the old inline policies give way to managed ones, staging's role is new. Then it
// applies the plan and plans again: nothing left to do. Without deploy_role_names the role is
// replaced, as docs/ENVIRONMENTS.md says.
//
//   node infra/terraform/bootstrap-upgrade.mjs [--from <git ref of a bootstrap before environments>]
//
// Needs terraform, moto_server and git (the old bootstrap comes from the repository's history:
// in a shallow clone, fetch that commit first). Not part of check.sh for that reason.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checks, startMoto, terraformIn } from './moto-checks.mjs';

/** The last commit whose bootstrap had one deploy role (deploy_environment). */
const BEFORE_ENVIRONMENTS = '20db64e';
const from = process.argv.includes('--from') ? process.argv[process.argv.indexOf('--from') + 1] : BEFORE_ENVIRONMENTS;
const here = import.meta.dirname;
const repo = join(here, '..', '..');
const { problems, check } = checks();
const moto = await startMoto();
const { endpoint } = moto;
const work = mkdtempSync(join(tmpdir(), 'bootstrap-upgrade-'));

// The provider of both versions, pointed at moto (an override file merges into versions.tf's block).
const motoOverride = `provider "aws" {
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = false
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  endpoints {
    iam = "${endpoint}"
    kms = "${endpoint}"
    s3  = "${endpoint}"
    sts = "${endpoint}"
  }
}
`;
const variables = [
  '-var',
  'github_repository=acme/shop-platform',
  '-var',
  'github_repository_id=987654321',
  '-var',
  'github_owner_id=12345',
];

const tf = (dir, ...args) => terraformIn(dir)(...args);

/** Bootstrap and the module it uses, laid out as in the repository, under `root`. */
function layOut(root, copy) {
  mkdirSync(join(root, 'modules'), { recursive: true });
  copy('bootstrap', join(root, 'bootstrap'));
  copy('modules/iam-policies', join(root, 'modules', 'iam-policies'));
  writeFileSync(join(root, 'bootstrap', 'moto_override.tf'), motoOverride);
  return join(root, 'bootstrap');
}

const changes = (dir, plan) => JSON.parse(tf(dir, 'show', '-json', plan)).resource_changes ?? [];

try {
  // 1. the old bootstrap, applied
  const old = layOut(join(work, 'old'), (path, to) => {
    mkdirSync(to, { recursive: true });
    const tar = execFileSync('git', ['-C', repo, 'archive', from, `infra/terraform/${path}`], {
      maxBuffer: 64 * 1024 * 1024,
    });
    execFileSync('tar', ['-x', '--strip-components', String(2 + path.split('/').length), '-C', to], { input: tar });
  });
  check(
    readFileSync(join(old, 'variables.tf'), 'utf8').includes('variable "deploy_environment"'),
    `${from} is a bootstrap with one deploy role`,
  );
  tf(old, 'init', '-input=false', '-backend=false');
  tf(old, 'apply', '-auto-approve', '-input=false', ...variables);
  const oldState = JSON.parse(readFileSync(join(old, 'terraform.tfstate'), 'utf8'));
  const oldRole = oldState.resources.find((r) => r.type === 'aws_iam_role' && r.name === 'deploy').instances[0]
    .attributes;
  check(oldRole.name === 'platform-github-deploy', `the old deploy role exists: ${oldRole.arn}`);

  // 2. the current bootstrap on the old state
  const current = layOut(join(work, 'new'), (path, to) =>
    cpSync(join(here, path), to, {
      recursive: true,
      filter: (f) => !f.includes('.terraform') && !f.endsWith('.tfstate'),
    }),
  );
  cpSync(join(old, 'terraform.tfstate'), join(current, 'terraform.tfstate'));
  tf(current, 'init', '-input=false', '-backend=false');

  const keep = ['-var', 'deploy_role_names={ production = "platform-github-deploy" }'];
  tf(current, 'plan', '-input=false', '-out=keep.plan', ...variables, ...keep);
  const planned = changes(current, 'keep.plan');
  const actions = (address) => planned.find((c) => c.address === address)?.change.actions.join(',') ?? 'absent';
  const production = planned.find((c) => c.address === 'aws_iam_role.deploy["production"]');
  check(production?.previous_address === 'aws_iam_role.deploy', "production's role is the old one, moved (moved.tf)");
  check(
    ['no-op', 'update'].includes(actions('aws_iam_role.deploy["production"]')),
    `...and kept, not replaced (${actions('aws_iam_role.deploy["production"]')}: same name, same trust)`,
  );
  check(actions('aws_iam_role.deploy["staging"]') === 'create', "staging's role is created");
  const destroyed = planned.filter((c) => c.change.actions.includes('delete')).map((c) => c.address);
  check(
    destroyed.every((a) => a.startsWith('aws_iam_role_policy.deploy[')) && destroyed.length === 3,
    `only the old inline policies go (${destroyed.join(', ')})`,
  );
  const created = planned.filter((c) => c.change.actions.join(',') === 'create').map((c) => c.address);
  // modules/iam-policies' deploy_policy_jsons: six policies per environment
  const expected = ['production', 'staging']
    .flatMap((env) => ['broker', 'data', 'deployments', 'iam', 'services', 'state'].map((p) => `["${env}/${p}"]`))
    .sort();
  const keysOf = (type) =>
    created
      .filter((a) => a.startsWith(`${type}[`))
      .map((a) => a.slice(type.length))
      .sort();
  check(
    JSON.stringify(keysOf('aws_iam_policy.deploy')) === JSON.stringify(expected) &&
      JSON.stringify(keysOf('aws_iam_role_policy_attachment.deploy')) === JSON.stringify(expected),
    `six managed policies per environment, attached (${keysOf('aws_iam_policy.deploy').join(' ')})`,
  );
  for (const address of [
    'aws_s3_bucket.state',
    'aws_kms_key.state',
    'aws_iam_role.plan',
    'aws_iam_policy.stack_boundary',
    'aws_iam_openid_connect_provider.github[0]',
  ]) {
    check(['no-op', 'update'].includes(actions(address)), `${address}: ${actions(address)}`);
  }

  tf(current, 'apply', '-input=false', 'keep.plan');
  const arns = JSON.parse(tf(current, 'output', '-json', 'deploy_role_arns')) ?? {};
  check(arns.production === oldRole.arn, `production's ARN is unchanged (${arns.production})`);
  check(/role\/platform-deploy-staging$/.test(arns.staging ?? ''), `staging's role: ${arns.staging}`);
  tf(current, 'plan', '-input=false', '-detailed-exitcode', ...variables, ...keep); // exit 2 (changes) throws
  check(true, 'a second plan has nothing to do');

  // 3. without deploy_role_names: the role takes the new name, which AWS cannot do in place
  tf(current, 'plan', '-input=false', '-out=rename.plan', ...variables);
  const renamed = changes(current, 'rename.plan').find((c) => c.address === 'aws_iam_role.deploy["production"]');
  check(
    renamed?.change.actions.join(',') === 'delete,create',
    `without deploy_role_names production's role is replaced (${renamed?.change.actions.join(',')}): a new ARN`,
  );
} catch (err) {
  problems.push(String(err?.stderr || err));
  process.stdout.write(`FAIL: ${err?.stderr || err}\n`);
} finally {
  moto.stop();
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`bootstrap upgrade: ${problems.length === 0 ? 'ok' : `${problems.length} problem(s)`}\n`);
process.exit(problems.length === 0 ? 0 : 1);
