/**
 * The environment files setup owns part of: in <env>.tfvars `name`, `environment`, `region` and
 * the admins it needs in `admin_emails` (added to the ones there); in the two backend files
 * `bucket` and `region`. Everything else in them stays as it is. An environment without files
 * gets minimal ones (Terraform's defaults for the rest).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readList, readString, setList, setString } from './hcl-values.ts';
import { environmentFiles, type Paths } from './project.ts';
import { terraform } from './terraform.ts';

export interface FileChange {
  /** Relative to the repository root. */
  file: string;
  created: boolean;
  after: string;
  /** What changed, e.g. `region eu-west-1 -> eu-central-1`. */
  what: string[];
}

export interface EnvironmentValues {
  name: string;
  region: string;
  /** Addresses that must be in admin_emails. */
  admins: string[];
}

const newTfvars = (env: string) =>
  `# infra/terraform/environments/${env}.tfvars: written by npm run setup; sizes and the rest: variables.tf's defaults
environment = "${env}"
`;

const newBackend = (env: string, state: 'platform' | 'credentials') =>
  `${state === 'credentials' ? "# The credentials stack's state: only the deploy role can read it (the broker password is in it).\n" : ''}bucket       = ""
key          = "${state}/${env}.tfstate"
region       = ""
encrypt      = true
use_lockfile = true
`;

function describe(key: string, before: string | undefined, after: string | undefined): string | undefined {
  if (before === after) return undefined;
  return before === undefined ? `${key} ${after}` : `${key} ${before} -> ${after}`;
}

/** terraform fmt of a .tfvars text (aligned `=`), as `terraform fmt -check` in check.sh wants it. */
async function fmt(text: string): Promise<string> {
  const run = await terraform(['fmt', '-'], { input: text });
  return run.code === 0 ? run.stdout : text;
}

async function tfvarsChange(p: Paths, env: string, v: EnvironmentValues): Promise<FileChange | undefined> {
  const file = environmentFiles(env).tfvars;
  const full = join(p.root, file);
  const before = existsSync(full) ? readFileSync(full, 'utf8') : undefined;
  let text = before ?? newTfvars(env);
  text = setString(text, 'environment', env);
  text = setString(text, 'name', v.name, 'environment');
  text = setString(text, 'region', v.region);
  const admins = readList(text, 'admin_emails') ?? [];
  const missing = v.admins.filter((a) => !admins.includes(a));
  if (missing.length > 0) text = setList(text, 'admin_emails', [...admins, ...missing]);
  text = await fmt(text);
  if (text === before) return undefined;
  const what = [
    describe('name', before && readString(before, 'name'), v.name),
    describe('environment', before && readString(before, 'environment'), env),
    describe('region', before && readString(before, 'region'), v.region),
    missing.length > 0 ? `admin_emails + ${missing.join(', ')}` : undefined,
  ].filter((w): w is string => !!w);
  return { file, created: before === undefined, after: text, what: what.length ? what : ['formatting'] };
}

function backendChange(p: Paths, env: string, file: string, bucket: string, region: string): FileChange | undefined {
  const full = join(p.root, file);
  const before = existsSync(full) ? readFileSync(full, 'utf8') : undefined;
  const state = file.endsWith('.credentials.s3.tfbackend') ? 'credentials' : 'platform';
  let text = before ?? newBackend(env, state);
  text = setString(text, 'bucket', bucket);
  text = setString(text, 'region', region);
  if (text === before) return undefined;
  const what = [
    describe('bucket', before && readString(before, 'bucket'), bucket),
    describe('region', before && readString(before, 'region'), region),
  ].filter((w): w is string => !!w);
  return { file, created: before === undefined, after: text, what };
}

export async function tfvarsChanges(p: Paths, envs: string[], v: EnvironmentValues): Promise<FileChange[]> {
  const changes = await Promise.all(envs.map((env) => tfvarsChange(p, env, v)));
  return changes.filter((c): c is FileChange => !!c);
}

export function backendChanges(p: Paths, envs: string[], bucket: string, region: string): FileChange[] {
  return envs
    .flatMap((env) => environmentFiles(env).backends.map((file) => backendChange(p, env, file, bucket, region)))
    .filter((c): c is FileChange => !!c);
}

export function writeChange(p: Paths, change: FileChange): void {
  writeFileSync(join(p.root, change.file), change.after);
}
