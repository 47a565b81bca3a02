/**
 * Running Terraform for the bootstrap (infra/terraform/bootstrap): init, a plan saved to a
 * private temporary directory, its apply, the outputs. Variables travel in a JSON var file in
 * that directory (the bootstrap has no secret input: names, the region and GitHub ids), deleted
 * afterwards. The bootstrap's own state stays local (terraform.tfstate, git-ignored), as its
 * versions.tf says.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SetupError } from './errors.ts';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const TERRAFORM_ENV = { TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1' };

export function terraform(args: string[], o: { cwd?: string; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', args, {
      cwd: o.cwd,
      env: { ...process.env, ...TERRAFORM_ENV },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (err) =>
      reject(
        (err as { code?: string }).code === 'ENOENT'
          ? new SetupError(
              'terraform is not on PATH: install Terraform 1.11 or newer (https://developer.hashicorp.com/terraform/install)',
            )
          : err,
      ),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(o.input ?? '');
  });
}

/** `terraform version`, e.g. "1.11.4"; undefined when there is no terraform. */
export async function terraformVersion(): Promise<string | undefined> {
  try {
    const run = await terraform(['version', '-json']);
    return (JSON.parse(run.stdout) as { terraform_version?: string }).terraform_version;
  } catch {
    return undefined;
  }
}

/** `a.b.c` >= `x.y.z`. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parse = (v: string) => v.replace(/^v/, '').split(/[.-]/).slice(0, 3).map(Number);
  const a = parse(version);
  const b = parse(minimum);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/** The lowest version a `required_version = ">= x.y.z"` allows. */
export function requiredTerraform(versionsTf: string): string | undefined {
  return versionsTf.match(/required_version\s*=\s*">=\s*([0-9.]+)"/)?.[1];
}

/** Whatever the last lines of a failed run say, for the error message. */
const tail = (run: Run, lines = 25) =>
  `${run.stdout}\n${run.stderr}`
    .trim()
    .split('\n')
    .slice(-lines)
    .map((l) => `    ${l}`)
    .join('\n');

export interface BootstrapVariables {
  name: string;
  region: string;
  github_repository: string;
  github_repository_id: string;
  github_owner_id: string;
  environments: string[];
  preview_environment: string | null;
  create_oidc_provider: boolean;
  /** Deploy roles whose name is not <name>-deploy-<env> (one from an older bootstrap): kept as they are. */
  deploy_role_names: Record<string, string>;
}

export interface BootstrapPlan {
  /** false: the account already is as the bootstrap describes it. */
  changes: boolean;
  /** Terraform's "Plan: ..." line, or "No changes." */
  summary: string;
  /** Resources the plan destroys or replaces (a renamed project would take the state bucket along). */
  destroys: string[];
  apply(): Promise<string>;
  discard(): void;
}

export async function initBootstrap(dir: string): Promise<void> {
  const run = await terraform(['init', '-input=false', '-no-color'], { cwd: dir });
  if (run.code !== 0) throw new SetupError(`terraform init in ${dir} failed:\n${tail(run)}`);
}

export async function planBootstrap(dir: string, vars: BootstrapVariables): Promise<BootstrapPlan> {
  const work = mkdtempSync(join(tmpdir(), 'platform-setup-'));
  const discard = () => rmSync(work, { recursive: true, force: true });
  try {
    const varFile = join(work, 'bootstrap.tfvars.json');
    writeFileSync(varFile, JSON.stringify(vars), { mode: 0o600 });
    const planFile = join(work, 'bootstrap.tfplan');
    const run = await terraform(
      ['plan', '-input=false', '-no-color', '-detailed-exitcode', `-var-file=${varFile}`, `-out=${planFile}`],
      { cwd: dir },
    );
    if (run.code !== 0 && run.code !== 2) throw new SetupError(`terraform plan of the bootstrap failed:\n${tail(run)}`);
    const summary = run.stdout.match(/^Plan: .*$/m)?.[0] ?? 'No changes.';
    const destroys = [...run.stdout.matchAll(/^\s*# (\S+) (?:will be destroyed|must be replaced)/gm)].map(
      (m) => m[1] ?? '',
    );
    return {
      changes: run.code === 2,
      summary,
      destroys,
      discard,
      apply: async () => {
        try {
          const applied = await terraform(['apply', '-input=false', '-no-color', planFile], { cwd: dir });
          if (applied.code !== 0) throw new SetupError(`terraform apply of the bootstrap failed:\n${tail(applied)}`);
          return applied.stdout.match(/^Apply complete!.*$/m)?.[0] ?? 'Apply complete!';
        } finally {
          discard();
        }
      },
    };
  } catch (err) {
    discard();
    throw err;
  }
}

/** The bootstrap's outputs, read from its local state (no terraform needed); undefined without one. */
export function bootstrapOutputs(dir: string): Record<string, unknown> | undefined {
  const file = join(dir, 'terraform.tfstate');
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as {
    outputs?: Record<string, { value: unknown }>;
    resources?: unknown[];
  };
  if (!state.resources?.length) return undefined;
  return Object.fromEntries(Object.entries(state.outputs ?? {}).map(([k, v]) => [k, v.value]));
}

/** Whether the bootstrap's state holds the GitHub OIDC provider (it created it). */
export function bootstrapOwnsOidcProvider(dir: string): boolean {
  const file = join(dir, 'terraform.tfstate');
  if (!existsSync(file)) return false;
  const state = JSON.parse(readFileSync(file, 'utf8')) as {
    resources?: Array<{ type: string; instances?: unknown[] }>;
  };
  return (state.resources ?? []).some(
    (r) => r.type === 'aws_iam_openid_connect_provider' && (r.instances ?? []).length > 0,
  );
}

/**
 * Each environment's deploy role from the outputs: `deploy_role_arns` (a map), or, from a
 * bootstrap older than the list of environments, its one `deploy_role_arn` for production.
 */
export function deployRoleArns(outputs: Record<string, unknown>): Record<string, string> {
  const map = outputs.deploy_role_arns;
  if (map && typeof map === 'object') {
    return Object.fromEntries(Object.entries(map).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }
  return typeof outputs.deploy_role_arn === 'string' ? { production: outputs.deploy_role_arn } : {};
}

/**
 * The deploy roles to keep under the name they have: a bootstrap from before the list of
 * environments named production's `<name>-github-deploy`, and its moved.tf keeps that role (and
 * the ARN in GitHub) only while deploy_role_names says so; without it the role would be replaced.
 */
export function keptRoleNames(
  outputs: Record<string, unknown> | undefined,
  name: string,
  environments: string[],
): Record<string, string> {
  if (!outputs) return {};
  const kept: Record<string, string> = {};
  for (const [env, arn] of Object.entries(deployRoleArns(outputs))) {
    const role = arn.split('/').pop() ?? '';
    if (environments.includes(env) && role && role !== `${name}-deploy-${env}`) kept[env] = role;
  }
  return kept;
}
