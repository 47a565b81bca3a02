#!/usr/bin/env node
// Two pull requests' previews on a stand-in staging, with the real AWS provider against moto (no
// AWS account): a small stack plays staging (its load balancer and listener, cluster, security
// group and each service's task definition, and the output preview_inputs the preview reads from
// its state), then preview/ is applied for pull requests 42 and 43 and torn down again, as
// preview.yml does (images = {}). Checked through the AWS APIs: each preview's listener rules
// (paths, priorities, target groups), ECS services, task definitions (image, BASE_PATH, database,
// exchange, sidecar kept); the teardown of one leaves the other whole; nothing is left after both.
//
//   node infra/terraform/preview-moto.mjs        (needs terraform and moto_server on PATH)
//
// Not checked here (moto does not run containers): that the tasks start, pass the health check
// and serve under /pr-<N>/: the preview workflow's smoke flow checks that on AWS.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checks, startMoto, terraformIn } from './moto-checks.mjs';

const here = import.meta.dirname;
const { problems, check } = checks();
const moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: '1' });
const { endpoint } = moto;
const work = mkdtempSync(join(tmpdir(), 'preview-moto-'));

const provider = (tags = '') => `provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    ec2     = "${endpoint}"
    ecr     = "${endpoint}"
    ecs     = "${endpoint}"
    elbv2   = "${endpoint}"
    kms     = "${endpoint}"
    s3      = "${endpoint}"
    sts     = "${endpoint}"
  }
  ${tags}
}
`;

// What the preview reads from staging: modules/ecs's task definitions (with a sidecar), the
// internal load balancer's listener, the cluster, and the root stack's output preview_inputs.
const staging = `terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}
${provider()}
data "aws_vpc" "default" {
  default = true
}
data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
}
resource "aws_kms_key" "this" {
  description = "staging's key"
}

resource "aws_security_group" "tasks" {
  name   = "platform-staging-tasks"
  vpc_id = data.aws_vpc.default.id
}
resource "aws_lb" "this" {
  name               = "platform-staging"
  internal           = true
  load_balancer_type = "application"
  subnets            = slice(data.aws_subnets.default.ids, 0, 2)
}
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "application/json"
      status_code  = "404"
    }
  }
}
resource "aws_ecs_cluster" "this" {
  name = "platform-staging"
}
locals {
  services = { customer = 10, products = 20, shopping = 30 }
}
resource "aws_ecs_task_definition" "service" {
  for_each                 = local.services
  family                   = "platform-staging-\${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = "arn:aws:iam::123456789012:role/platform-staging-\${each.key}-execution"
  task_role_arn            = "arn:aws:iam::123456789012:role/platform-staging-\${each.key}-task"
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "ARM64"
  }
  volume {
    name = "tmp"
  }
  container_definitions = jsonencode([
    {
      name         = each.key
      image        = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-staging/\${each.key}:0000000000000000000000000000000000000000"
      essential    = true
      memory       = 512
      portMappings = [{ containerPort = 8080, protocol = "tcp" }]
      environment = [
        { name = "MONGO_URL", value = "mongodb://docdb:27017/\${each.key}?tls=true&retryWrites=false" },
        { name = "AMQP_EXCHANGE", value = "platform.events" },
        { name = "METRICS_NAMESPACE", value = "platform/staging" },
        { name = "OTEL_EXPORTER_OTLP_ENDPOINT", value = "http://localhost:4318" },
      ]
      logConfiguration = { logDriver = "awslogs", options = { awslogs-group = "/ecs/platform-staging/\${each.key}", awslogs-region = "eu-west-1", awslogs-stream-prefix = each.key } }
    },
    {
      name        = "otel-collector"
      image       = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-staging-pub/aws-observability/aws-otel-collector:v0.43.3"
      essential   = false
      memory      = 64
      command     = ["--config=env:AOT_CONFIG_CONTENT"]
      environment = [{ name = "AOT_CONFIG_CONTENT", value = "receivers: {}" }]
    },
  ])
}
output "preview_inputs" {
  value = {
    prefix                   = "platform-staging"
    base_url                 = "https://d111111abcdef8.cloudfront.net"
    cluster_name             = aws_ecs_cluster.this.name
    load_balancer_arn        = aws_lb.this.arn
    vpc_id                   = data.aws_vpc.default.id
    private_subnet_ids       = slice(data.aws_subnets.default.ids, 0, 2)
    tasks_security_group_id  = aws_security_group.tasks.id
    kms_key_arn              = aws_kms_key.this.arn
    task_definition_families = { for s, _ in local.services : s => aws_ecs_task_definition.service[s].family }
    paths                    = { for s, _ in local.services : s => "/\${s}" }
    priorities               = local.services
  }
}
`;

/** Signed-looking requests moto accepts: ECS's JSON API and ELBv2's query API. */
async function ecs(action, body) {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AmazonEC2ContainerServiceV20141113.${action}`,
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/ecs/aws4_request',
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${action}: ${res.status} ${await res.text()}`);
  return res.json();
}
async function ecr(action, body) {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${action}`,
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/ecr/aws4_request',
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
async function elb(params) {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/elasticloadbalancing/aws4_request',
    },
    body: new URLSearchParams({ Version: '2015-12-01', ...params }).toString(),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${params.Action}: ${res.status} ${text}`);
  return text;
}

/** The listener's rules: priority => path patterns (moto's XML, read by python3's parser: moto needs it anyway). */
async function rules(listenerArn) {
  const xml = await elb({ Action: 'DescribeRules', ListenerArn: listenerArn });
  const parse = `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
strip = lambda e: e.tag.split('}')[-1]
found = {}
for rule in root.iter():
    if strip(rule) != 'member' or not any(strip(c) == 'Priority' for c in rule):
        continue
    priority = next(c.text for c in rule if strip(c) == 'Priority')
    if priority == 'default':
        continue
    conditions = next(c for c in rule if strip(c) == 'Conditions')
    # Values, or PathPatternConfig's Values (what the provider sends), or both: each pattern once
    patterns = [m.text for v in conditions.iter() if strip(v) == 'Values' for m in v]
    found[priority] = list(dict.fromkeys(patterns))
print(json.dumps(found))
`;
  return JSON.parse(execFileSync('python3', ['-c', parse], { input: xml, encoding: 'utf8' }));
}

try {
  const stagingDir = join(work, 'staging');
  mkdirSync(stagingDir);
  writeFileSync(join(stagingDir, 'main.tf'), staging);
  const st = terraformIn(stagingDir);
  st('init', '-input=false');
  st('apply', '-auto-approve', '-input=false');
  const inputs = JSON.parse(st('output', '-json', 'preview_inputs'));
  const listener = JSON.parse(st('show', '-json')).values.root_module.resources.find(
    (r) => r.address === 'aws_lb_listener.http',
  ).values.arn;

  /** preview/ for pull request `pr`, in a folder of its own: moto's endpoints, a local backend, staging's local state. */
  const previewDir = (pr) => {
    const dir = join(work, `pr-${pr}`);
    cpSync(join(here, 'preview'), dir, {
      recursive: true,
      filter: (f) => !/\/\.terraform(\/|$)/.test(f) && !f.includes('/tests'),
    });
    writeFileSync(
      join(dir, 'moto_override.tf'),
      `terraform {
  backend "local" {}
}
${provider(`default_tags {
    tags = { Project = "platform", Environment = "staging", ManagedBy = "terraform-preview", Preview = "pr-${pr}" }
  }`)}
data "terraform_remote_state" "environment" {
  backend = "local"
  config  = { path = "${join(stagingDir, 'terraform.tfstate')}" }
}
`,
    );
    const tf = terraformIn(dir);
    tf('init', '-input=false', '-lockfile=readonly');
    return tf;
  };
  const image = (svc, sha) => `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-staging/${svc}:${sha.repeat(40)}`;
  const apply = (tf, pr, images, builds = []) =>
    tf(
      'apply',
      '-auto-approve',
      '-input=false',
      '-var',
      'state_bucket=unused-with-a-local-state',
      '-var',
      `pr_number=${pr}`,
      '-var',
      `images=${JSON.stringify(images)}`,
      '-var',
      `builds=${JSON.stringify(builds)}`,
      '-var',
      'wait_for_steady_state=false',
    );

  const pr42 = previewDir(42);
  const pr43 = previewDir(43);
  // 42 builds customer: into a repository of its own
  const own = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-staging/pr42/customer';
  apply(
    pr42,
    42,
    { customer: `${own}:${'4'.repeat(40)}`, products: image('products', '4'), shopping: image('shopping', '0') },
    ['customer'],
  );
  apply(pr43, 43, {
    customer: image('customer', '3'),
    products: image('products', '0'),
    shopping: image('shopping', '0'),
  });

  const url = JSON.parse(pr42('output', '-json', 'url'));
  check(url === 'https://d111111abcdef8.cloudfront.net/pr-42', `pull request 42's URL: ${url}`);
  let onListener = await rules(listener);
  check(
    JSON.stringify(onListener['40840']) === JSON.stringify(['/pr-42/customer', '/pr-42/customer/*']) &&
      JSON.stringify(onListener['40862']) === JSON.stringify(['/pr-43/shopping', '/pr-43/shopping/*']),
    `staging's listener has both previews' rules, each in its own band: ${Object.keys(onListener).join(', ')}`,
  );
  check(
    Object.keys(onListener).length === 6,
    `six rules for two previews of three services (${Object.keys(onListener).length})`,
  );

  const services = await ecs('DescribeServices', {
    cluster: 'platform-staging',
    services: ['pr42-customer', 'pr42-products', 'pr42-shopping', 'pr43-customer'],
  });
  const active = services.services.filter((s) => s.status === 'ACTIVE').map((s) => s.serviceName);
  check(active.length === 4, `ECS services on staging's cluster: ${active.join(', ')}`);
  const customer = services.services.find((s) => s.serviceName === 'pr42-customer');
  check(
    customer?.loadBalancers?.[0]?.containerName === 'customer' &&
      customer?.networkConfiguration?.awsvpcConfiguration?.securityGroups?.[0] === inputs.tasks_security_group_id,
    "pr42-customer: behind its target group, in staging's tasks security group",
  );
  const td = (await ecs('DescribeTaskDefinition', { taskDefinition: customer.taskDefinition })).taskDefinition;
  const env = Object.fromEntries(td.containerDefinitions[0].environment.map((e) => [e.name, e.value]));
  check(td.family === 'platform-staging-pr42-customer', `task definition family ${td.family}`);
  check(
    td.containerDefinitions[0].image === `${own}:${'4'.repeat(40)}`,
    "the pull request's image, from its own repository",
  );
  const repository = await ecr('DescribeRepositories', { repositoryNames: ['platform-staging/pr42/customer'] });
  const policy = await ecr('GetRepositoryPolicy', { repositoryName: 'platform-staging/pr42/customer' });
  check(
    repository.body.repositories?.[0]?.imageTagMutability === 'IMMUTABLE' &&
      repository.body.repositories?.[0]?.encryptionConfiguration?.encryptionType === 'KMS' &&
      repository.body.repositories?.[0]?.encryptionConfiguration?.kmsKey === inputs.kms_key_arn &&
      JSON.parse(policy.body.policyText ?? '{}').Statement?.[0]?.Principal?.AWS ===
        'arn:aws:iam::123456789012:role/platform-staging-customer-execution',
    "its repository exists, immutable, encrypted with staging's key, pullable by staging's customer execution role",
  );
  check(
    env.MONGO_URL === 'mongodb://docdb:27017/pr42_customer?tls=true&retryWrites=false' &&
      env.AMQP_EXCHANGE === 'pr42.events' &&
      env.BASE_PATH === '/pr-42' &&
      env.METRICS_NAMESPACE === undefined &&
      env.OTEL_EXPORTER_OTLP_ENDPOINT === 'http://localhost:4318',
    `its own database, exchange and path, no metrics, traces to the sidecar: ${JSON.stringify(env)}`,
  );
  const collector = td.containerDefinitions[1];
  check(
    collector?.name === 'otel-collector' &&
      collector.essential === false &&
      collector.image.endsWith('/platform-staging-pub/aws-observability/aws-otel-collector:v0.43.3') &&
      JSON.stringify(collector.environment) ===
        JSON.stringify([{ name: 'AOT_CONFIG_CONTENT', value: 'receivers: {}' }]),
    'the tracing collector as staging has it (image through the pull-through cache, its configuration)',
  );
  check(
    td.runtimePlatform?.cpuArchitecture === 'ARM64' && td.taskRoleArn.endsWith('platform-staging-customer-task'),
    "staging's architecture and roles",
  );

  // pull request 42 closes: preview.yml applies images = {}
  apply(pr42, 42, {});
  onListener = await rules(listener);
  check(
    Object.keys(onListener).sort().join() === '40860,40861,40862',
    `the teardown of 42 leaves 43's rules only: ${Object.keys(onListener).join(', ')}`,
  );
  const after = await ecs('DescribeServices', {
    cluster: 'platform-staging',
    services: ['pr42-customer', 'pr43-customer'],
  });
  const still = after.services.filter((s) => s.status === 'ACTIVE').map((s) => s.serviceName);
  check(still.join() === 'pr43-customer', `ECS services still active: ${still.join(', ')}`);
  const gone = await ecr('DescribeRepositories', { repositoryNames: ['platform-staging/pr42/customer'] });
  check(
    gone.status === 400 && /RepositoryNotFound/.test(JSON.stringify(gone.body)),
    "42's repository is gone, with its images",
  );
  const left = JSON.parse(pr42('show', '-json')).values?.root_module?.resources ?? [];
  check(
    left.filter((r) => r.mode === 'managed').length === 0,
    `pull request 42's state holds no resource (${left.length} objects, data sources included)`,
  );

  apply(pr43, 43, {});
  check(Object.keys(await rules(listener)).length === 0, "no preview rule is left on staging's listener");
  const stagingAfter = await ecs('DescribeTaskDefinition', { taskDefinition: 'platform-staging-customer' });
  check(
    stagingAfter.taskDefinition.containerDefinitions[0].image.endsWith(`:${'0'.repeat(40)}`),
    "staging's own task definition is untouched",
  );
} catch (err) {
  problems.push(String(err?.stderr || err));
  process.stdout.write(`FAIL: ${err?.stderr || err}\n`);
} finally {
  moto.stop();
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`previews against moto: ${problems.length === 0 ? 'ok' : `${problems.length} problem(s)`}\n`);
process.exit(problems.length === 0 ? 0 : 1);
