#!/usr/bin/env node
// What the secret values leave behind, with the real AWS provider against moto (no AWS account):
// applies the credentials stack's modules (modules/jwt-keys, modules/messaging and, for
// broker = "ecs", modules/broker-credentials) in a throwaway root, reads the values they wrote back
// from Secrets Manager, and searches the saved plan (its every file, unzipped), its JSON
// rendering, the plan's text and the state for them.
//
//   node infra/terraform/state-secrets.mjs        (needs terraform, moto_server and python3 on PATH)
//
// Expected, and checked: the JWT key, the AMQP_URL and the ECS broker's password are nowhere
// (write-only arguments); the Amazon MQ
// broker password is in the state exactly where docs/SECURITY.md says (aws_mq_broker's user, and
// terraform_data.password, which keeps it), never in a text a workflow prints: the plan and apply
// output. (The first version of this check found it there: Secrets Manager's generator, as a data
// source, logs "Read complete [id=<the password>]".) Then the rotations Terraform must
// leave alone: a new JWT keys value and a new AMQP_URL written outside Terraform give an empty plan.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checks, startMoto, terraformIn } from './moto-checks.mjs';

const modules = join(import.meta.dirname, 'modules');
const { problems, check } = checks();
const moto = await startMoto();
const { endpoint } = moto;
const work = mkdtempSync(join(tmpdir(), 'state-secrets-'));

/** Secrets Manager's JSON API; moto takes unsigned requests. */
async function secrets(action, body) {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `secretsmanager.${action}`,
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/secretsmanager/aws4_request',
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${action}: ${res.status} ${await res.text()}`);
  return res.json();
}

const tf = terraformIn(work);

/** A saved plan is a zip: every file of it, decompressed (python3 is there for moto anyway). */
const unzip = (file) =>
  execFileSync(
    'python3',
    [
      '-c',
      'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [sys.stdout.buffer.write(z.read(n)) for n in z.namelist()]',
      file,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  ).toString('latin1');

/** Every path of a JSON value whose string contains `needle`. */
function pathsOf(value, needle, path = '') {
  if (typeof value === 'string') return value.includes(needle) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => pathsOf(v, needle, `${path}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => pathsOf(v, needle, path ? `${path}.${k}` : k));
  return [];
}

try {
  writeFileSync(
    join(work, 'main.tf'),
    `terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}
provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    ec2            = "${endpoint}"
    mq             = "${endpoint}"
    secretsmanager = "${endpoint}"
    sts            = "${endpoint}"
  }
}
resource "aws_secretsmanager_secret" "jwt_keys" {
  name = "p/jwt-keys"
}
resource "aws_secretsmanager_secret" "amqp_url" {
  name = "p/amqp-url"
}
module "jwt_keys" {
  source     = "${join(modules, 'jwt-keys')}"
  secret_arn = aws_secretsmanager_secret.jwt_keys.arn
}
resource "aws_secretsmanager_secret" "ecs_amqp_url" {
  name = "p/ecs-amqp-url"
}
module "broker_credentials" {
  source     = "${join(modules, 'broker-credentials')}"
  secret_arn = aws_secretsmanager_secret.ecs_amqp_url.arn
  host       = "broker.p.internal"
}
module "messaging" {
  source              = "${join(modules, 'messaging')}"
  name                = "p-broker"
  subnet_ids          = ["subnet-12345678"]
  security_group_id   = "sg-12345678"
  amqp_url_secret_arn = aws_secretsmanager_secret.amqp_url.arn
}
`,
  );
  tf('init', '-input=false');
  const planText = tf('plan', '-input=false', '-no-color', '-out=plan.bin');
  const planJson = tf('show', '-json', 'plan.bin');
  const planFiles = unzip(join(work, 'plan.bin'));
  const applyText = tf('apply', '-input=false', '-no-color', 'plan.bin');
  const stateText = readFileSync(join(work, 'terraform.tfstate'), 'utf8');
  const state = JSON.parse(stateText);

  const jwt = JSON.parse((await secrets('GetSecretValue', { SecretId: 'p/jwt-keys' })).SecretString);
  const amqpUrl = (await secrets('GetSecretValue', { SecretId: 'p/amqp-url' })).SecretString;
  const password = decodeURIComponent(new URL(amqpUrl).password);
  check(
    /^[0-9a-f]{64}$/.test(jwt.signing) && jwt.accepted === '',
    'the JWT keys secret holds {signing: 64 hex, accepted: ""}',
  );
  check(
    amqpUrl.startsWith('amqps://platform:') && /^[0-9a-f]{40}$/.test(password),
    'AMQP_URL holds the broker user and a 40-hex-character password',
  );

  const ecs = JSON.parse((await secrets('GetSecretValue', { SecretId: 'p/ecs-amqp-url' })).SecretString);
  check(
    /^[0-9a-f]{40}$/.test(ecs.password) &&
      ecs.url === `amqp://platform:${ecs.password}@broker.p.internal:5672` &&
      Object.keys(ecs).length === 2,
    'the ECS broker secret holds {url, password}, one password for the services and the broker',
  );
  check(ecs.password !== password, 'the ECS broker password is drawn on its own');

  const texts = {
    'the plan text': planText + applyText,
    'the saved plan': planFiles,
    'the plan JSON': planJson,
    'the state': stateText,
  };
  for (const [what, text] of Object.entries(texts)) {
    check(!text.includes(jwt.signing), `the JWT key is not in ${what}`);
    check(!text.includes(amqpUrl), `AMQP_URL is not in ${what}`);
    check(!text.includes(ecs.password), `the ECS broker password is not in ${what}`);
  }
  check(
    !texts['the plan text'].includes(password),
    'the broker password is not in the plan or apply output (the logs)',
  );
  // a second plan: still no change, nothing in its output; its saved file holds the prior state,
  // so the broker password (why the credentials stack's plan never leaves the apply job)
  const again = tf('plan', '-input=false', '-no-color', '-out=again.bin');
  const againFiles = unzip(join(work, 'again.bin'));
  check(
    againFiles.includes(password) && !againFiles.includes(jwt.signing) && !againFiles.includes(amqpUrl),
    'a later saved plan holds the broker password (its prior state), never the JWT key or AMQP_URL',
  );
  check(!againFiles.includes(ecs.password), "a later saved plan does not hold the ECS broker's password either");
  check(
    again.includes('No changes.') && !again.includes(password),
    'a second plan changes nothing and prints no password',
  );

  const where = state.resources.flatMap((r) =>
    r.instances.flatMap((inst) =>
      pathsOf(inst.attributes, password).map((p) => `${r.module ?? ''} ${r.mode}.${r.type}.${r.name} ${p}`.trim()),
    ),
  );
  check(
    JSON.stringify(where.sort()) ===
      JSON.stringify([
        'module.messaging managed.aws_mq_broker.this user[0].password',
        'module.messaging managed.terraform_data.password input.value',
        'module.messaging managed.terraform_data.password output.value',
      ]),
    `the broker password is in the state only where docs/SECURITY.md says: ${where.join('; ') || 'nowhere'}`,
  );

  // Rotations happen outside Terraform: it must not write its first values again.
  await secrets('PutSecretValue', {
    SecretId: 'p/jwt-keys',
    SecretString: JSON.stringify({ signing: 'b'.repeat(64), accepted: jwt.signing }),
  });
  await secrets('PutSecretValue', { SecretId: 'p/amqp-url', SecretString: amqpUrl.replace('platform:', 'platform2:') });
  await secrets('PutSecretValue', {
    SecretId: 'p/ecs-amqp-url',
    SecretString: JSON.stringify({ url: ecs.url.replace('platform:', 'platform2:'), password: ecs.password }),
  });
  let code = 0;
  try {
    tf('plan', '-input=false', '-no-color', '-detailed-exitcode');
  } catch (err) {
    code = err.status;
  }
  check(code === 0, `after a JWT rotation and a broker password change, terraform plans no change (exit ${code})`);
  const current = JSON.parse((await secrets('GetSecretValue', { SecretId: 'p/jwt-keys' })).SecretString);
  check(current.signing === 'b'.repeat(64), 'the rotated JWT keys stay current');
} catch (err) {
  problems.push(String(err.stderr ?? err));
  process.stderr.write(`${err.stderr ?? err.stack ?? err}\n`);
} finally {
  moto.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exit(problems.length > 0 ? 1 : 0);
