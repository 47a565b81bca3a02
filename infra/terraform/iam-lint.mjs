#!/usr/bin/env node
// Lints the IAM documents of modules/iam-policies (plan role, each environment's deploy role, the
// stack's permissions boundary, the state bucket) with parliament and its community auditors (privilege escalation,
// credentials exposure, permissions management, ...), MEDIUM severity and above.
//
//   node infra/terraform/iam-lint.mjs            renders the documents with terraform, then lints
//   node infra/terraform/iam-lint.mjs --dir DIR  lints the *.json policies in DIR as they are
//
// The documents are rendered by `terraform apply` of the module alone (it has no provider), in a
// temporary copy, with the example inputs below. A finding fails the run unless it is one of
// ACCEPTED: each names the file (deploy-<policy>.json for that policy of every environment's deploy
// role, rendered as deploy-<env>-<policy>.json), the issue and the exact actions, and why the role needs them;
// an accepted finding that no longer occurs fails too, so the list cannot go stale. (parliament's
// own ignore_locations setting never matches in 1.6.4, hence this list.)
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = import.meta.dirname;

export const ACCEPTED = [
  {
    file: 'deploy-iam.json',
    issue: 'PERMISSIONS_MANAGEMENT_ACTIONS',
    actions: [
      'iam:createrole',
      'iam:createservicelinkedrole',
      'iam:deleterole',
      'iam:deleterolepolicy',
      'iam:detachrolepolicy',
      'iam:passrole',
      'iam:putrolepermissionsboundary',
      'iam:putrolepolicy',
      'iam:updateassumerolepolicy',
      'iam:updaterole',
      'iam:updateroledescription',
    ],
    why: "the deploy role manages the stack's own roles, only with the permissions boundary (asserted in bootstrap/tests/policies.tftest.hcl)",
  },
  {
    file: 'deploy-data.json',
    issue: 'PERMISSIONS_MANAGEMENT_ACTIONS',
    actions: [
      'kms:createkey',
      'kms:creategrant',
      'kms:putkeypolicy',
      'kms:retiregrant',
      'logs:deleteresourcepolicy',
      'logs:putresourcepolicy',
      'sns:createtopic',
      'sns:settopicattributes',
    ],
    why: "the deploy role creates the stack's KMS key with its key policy, and DocumentDB and ECR take grants on it; it creates its environment's alarm topic (named <name>-<env>-...) with its policy, which lets this account's CloudWatch alarms and budgets publish; it writes the CloudWatch Logs resource policy that lets log delivery write the edge firewall's log group (modules/edge/waf.tf): an account-level policy, which has no resource ARN to scope it by, held to us-east-1 by aws:RequestedRegion (bootstrap/tests/policies.tftest.hcl)",
  },
  {
    file: 'deploy-services.json',
    issue: 'PERMISSIONS_MANAGEMENT_ACTIONS',
    actions: ['ecr:setrepositorypolicy', 'wafv2:createwebacl', 'wafv2:deletewebacl', 'wafv2:updatewebacl'],
    why: "the preview environment's role (staging's) lets a service's execution role pull from the pull request's own repositories, <prefix>/pr*/* only (bootstrap/tests/policies.tftest.hcl); and it manages its edge web ACL, as every environment's role does (next)",
  },
  {
    file: 'deploy-services.json',
    issue: 'PERMISSIONS_MANAGEMENT_ACTIONS',
    actions: ['wafv2:createwebacl', 'wafv2:deletewebacl', 'wafv2:updatewebacl'],
    why: "every environment's role manages its own edge web ACL (CloudFront's firewall), global/webacl/<prefix>/* only",
  },
  {
    file: 'deploy-services.json',
    issue: 'CREDENTIALS_EXPOSURE',
    actions: ['ecr:getauthorizationtoken'],
    why: 'docker login, to push the images',
  },
  // RESOURCE_MISMATCH findings name no action: the statement (its Sid) stands for them.
  {
    file: 'boundary.json',
    issue: 'RESOURCE_MISMATCH',
    sid: 'ImportTheCollectorImage',
    why: "parliament 1.6.4's database knows no resource type for ecr:BatchImportUpstreamImage; ECR authorizes it on the repository (the first pull of the tracing collector's image through the stack's pull-through cache, into the stack's own repository)",
  },
  {
    file: 'boundary.json',
    issue: 'RESOURCE_MISMATCH',
    sid: 'MoveBlueGreenTraffic',
    why: "parliament 1.6.4 names elasticloadbalancing:ModifyRule's resource type listener-rule/app* and matches no listener rule ARN against it, not even a complete one; ECS's load balancer role moves the weights of the stack's own rules",
  },
  {
    file: 'boundary.json',
    issue: 'CREDENTIALS_EXPOSURE',
    actions: ['ecr:getauthorizationtoken'],
    why: 'docker login, for the tasks to pull their images',
  },
  {
    file: 'plan.json',
    issue: 'RESOURCE_MISMATCH',
    sid: 'DescribeBrokerDiscoveryTags',
    why: "parliament 1.6.4's database gives servicediscovery:ListTagsForResource no resource type; Cloud Map authorizes it on the namespace or service (the ECS broker's, whose tags a plan refreshes)",
  },
  {
    file: 'deploy-broker.json',
    issue: 'RESOURCE_MISMATCH',
    sid: 'CreateBrokerFileSystemTagDiscovery',
    why: "parliament 1.6.4's database gives elasticfilesystem:CreateFileSystem and Cloud Map's tagging actions no resource type; EFS authorizes CreateFileSystem on the file system, Cloud Map tagging on the namespace or service (the ECS broker's)",
  },
];

const EXAMPLE_INPUTS = {
  name: 'platform',
  account_id: '123456789012',
  region: 'eu-west-1',
  state_bucket: 'platform-tfstate-123456789012-eu-west-1',
  state_kms_key_arn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111',
};

/** Applies modules/iam-policies in a temporary copy and writes each document to DIR/<name>.json. */
function render(dir) {
  const work = mkdtempSync(join(tmpdir(), 'iam-policies-'));
  try {
    cpSync(join(here, 'modules', 'iam-policies'), work, { recursive: true, filter: (f) => !f.includes('.terraform') });
    const tf = (...args) => execFileSync('terraform', [`-chdir=${work}`, ...args], { encoding: 'utf8' });
    tf('init', '-input=false', '-backend=false');
    const vars = Object.entries(EXAMPLE_INPUTS).flatMap(([k, v]) => ['-var', `${k}=${v}`]);
    tf('apply', '-auto-approve', '-input=false', ...vars);
    const out = JSON.parse(tf('output', '-json'));
    const docs = {
      plan: out.plan_policy_json.value,
      boundary: out.boundary_policy_json.value,
      bucket: out.state_bucket_policy_json.value,
      ...Object.fromEntries(
        Object.entries(out.deploy_policy_jsons.value).flatMap(([env, policies]) =>
          Object.entries(policies).map(([k, v]) => [`deploy-${env}-${k}`, v]),
        ),
      ),
    };
    for (const [name, json] of Object.entries(docs)) writeFileSync(join(dir, `${name}.json`), json);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function parliament(dir) {
  const args = ['--include-community-auditors', '--minimum_severity', 'MEDIUM', '--json', '--directory', dir];
  args.push('--include_policy_extension', '.json');
  let stdout = '';
  try {
    stdout = execFileSync('parliament', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (err) {
    if (err.status !== 1) throw err; // 1: there were findings
    stdout = err.stdout;
  }
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const key = (file, issue, actions, sid) =>
  sid ? `${file} ${issue} statement ${sid}` : `${file} ${issue} ${[...actions].sort().join(',')}`;

/** The Sid of the statement at a finding's column (parliament locates some findings by position only). */
function sidAt(location) {
  if (!location?.filepath || !location.column) return undefined;
  let text;
  try {
    text = readFileSync(location.filepath, 'utf8');
  } catch {
    return undefined;
  }
  const at = location.column - 1;
  for (const st of JSON.parse(text).Statement ?? []) {
    const start = text.indexOf(JSON.stringify(st));
    if (start >= 0 && at >= start && at < start + JSON.stringify(st).length) return st.Sid;
  }
  return undefined;
}

export function judge(findings) {
  const accepted = new Map(ACCEPTED.map((a) => [key(a.file, a.issue, a.actions ?? [], a.sid), a]));
  const seen = new Set();
  const unexpected = [];
  for (const f of findings) {
    // every environment's deploy-<env>-<policy>.json is judged as deploy-<policy>.json
    const file = (f.location?.filepath ?? '')
      .split('/')
      .pop()
      .replace(/^deploy-[a-z0-9]+-(?=[a-z]+\.json$)/, 'deploy-');
    const sid = f.location?.actions ? undefined : sidAt(f.location);
    const k = key(file, f.issue, f.location?.actions ?? [], sid);
    if (accepted.has(k)) seen.add(k);
    else unexpected.push(f);
  }
  const stale = [...accepted.keys()].filter((k) => !seen.has(k));
  return { unexpected, stale };
}

if (process.argv[1] === import.meta.filename) {
  const at = process.argv.indexOf('--dir');
  let dir = at > 0 ? process.argv[at + 1] : undefined;
  const rendered = !dir;
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'iam-json-'));
    render(dir);
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const { unexpected, stale } = judge(parliament(dir));
  for (const f of unexpected) console.error(`${f.severity} ${f.issue}: ${f.title} ${JSON.stringify(f.location)}`);
  for (const k of stale) console.error(`accepted finding no longer reported, remove it from ACCEPTED: ${k}`);
  process.stdout.write(
    `parliament: ${files.length} policies, ${unexpected.length} unexpected findings, ${ACCEPTED.length - stale.length} accepted\n`,
  );
  if (rendered) rmSync(dir, { recursive: true, force: true });
  process.exit(unexpected.length + stale.length > 0 ? 1 : 0);
}
