/**
 * The fork's files setup and doctor read and write, relative to the repository root:
 * infra/terraform/environments/<env>.tfvars (+ <env>.s3.tfbackend and
 * <env>.credentials.s3.tfbackend), the defaults in infra/terraform/variables.tf, and
 * infra/github-settings.json (the GitHub variables and secrets the workflows read).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { variableDefault } from '../ops/context.ts';
import { readList, readString } from './hcl-values.ts';

export const PLACEHOLDER = 'REPLACE-WITH';

export interface Paths {
  root: string;
  terraform: string;
  bootstrap: string;
  environments: string;
  githubSettings: string;
}

export function paths(root: string): Paths {
  const terraform = join(root, 'infra', 'terraform');
  return {
    root,
    terraform,
    bootstrap: join(terraform, 'bootstrap'),
    environments: join(terraform, 'environments'),
    githubSettings: join(root, 'infra', 'github-settings.json'),
  };
}

/** The files of one environment, relative to the repository root. */
export function environmentFiles(env: string) {
  const dir = 'infra/terraform/environments';
  return {
    tfvars: `${dir}/${env}.tfvars`,
    backends: [`${dir}/${env}.s3.tfbackend`, `${dir}/${env}.credentials.s3.tfbackend`],
  };
}

/** Environments as the tfvars files name them; production last (it is promoted to). */
export function environmentNames(p: Paths): string[] {
  if (!existsSync(p.environments)) return [];
  const names = readdirSync(p.environments)
    .filter((f) => f.endsWith('.tfvars'))
    .map((f) => f.slice(0, -'.tfvars'.length));
  return orderEnvironments(names);
}

export function orderEnvironments(names: string[]): string[] {
  const rank = (n: string) => (n === 'production' ? 1 : 0);
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export interface EnvironmentConfig {
  env: string;
  exists: boolean;
  /** Values as written in the tfvars (undefined: not set there, Terraform's default applies). */
  name?: string | undefined;
  region?: string | undefined;
  environment?: string | undefined;
  adminEmails?: string[] | undefined;
  backends: Array<{
    file: string;
    exists: boolean;
    bucket?: string | undefined;
    region?: string | undefined;
    key?: string | undefined;
  }>;
}

const read = (root: string, file: string) => {
  const full = join(root, file);
  return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
};

export function readEnvironment(p: Paths, env: string): EnvironmentConfig {
  const files = environmentFiles(env);
  const tfvars = read(p.root, files.tfvars);
  return {
    env,
    exists: tfvars !== undefined,
    name: tfvars && readString(tfvars, 'name'),
    region: tfvars && readString(tfvars, 'region'),
    environment: tfvars && readString(tfvars, 'environment'),
    adminEmails: tfvars ? readList(tfvars, 'admin_emails') : undefined,
    backends: files.backends.map((file) => {
      const text = read(p.root, file);
      return {
        file,
        exists: text !== undefined,
        bucket: text && readString(text, 'bucket'),
        region: text && readString(text, 'region'),
        key: text && readString(text, 'key'),
      };
    }),
  };
}

/** Terraform's defaults for name and region (infra/terraform/variables.tf). */
export function terraformDefaults(p: Paths): { name?: string | undefined; region?: string | undefined } {
  const file = join(p.terraform, 'variables.tf');
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8');
  return { name: variableDefault(text, 'name'), region: variableDefault(text, 'region') };
}

/** Whether a backend's bucket still is the template's placeholder. */
export const isPlaceholder = (bucket: string | undefined) => !bucket || bucket.startsWith(PLACEHOLDER);
