/**
 * Where a day-2 command points: the environment's names (as infra/terraform names them) and the
 * AWS clients for its region. Everything is derived from the environment's tfvars, so the
 * commands need nothing but `--env` and credentials.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { OpsError } from './errors.ts';

const terraformDir = join(import.meta.dirname, '..', '..', '..', 'infra', 'terraform');

export interface Names {
  environment: string;
  region: string;
  /** `${name}-${environment}`: the prefix of every resource of the stack. */
  prefix: string;
  cluster: string;
  family(service: string): string;
  logGroup(service: string): string;
  /** Secrets Manager name of the JWT keys ({"signing", "accepted"}). */
  jwtSecret: string;
}

export interface Clients {
  ecs: ECSClient;
  logs: CloudWatchLogsClient;
  secrets: SecretsManagerClient;
}

export interface Context {
  names: Names;
  aws: Clients;
  /** Where command output goes (a line at a time, without the newline). */
  out: (line: string) => void;
  /** Progress and warnings (stderr), kept apart from output a user may pipe. */
  note: (line: string) => void;
}

export interface TargetOptions {
  env: string;
  region?: string | undefined;
  /** Another endpoint for every client (moto, LocalStack). */
  endpoint?: string | undefined;
  profile?: string | undefined;
}

/** Top-level `key = "value"` pairs of a .tfvars file (the simple ones the commands need). */
export function readTfvars(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^([a-z_][a-z0-9_]*)\s*=\s*"([^"]*)"\s*(#.*)?$/i);
    if (m?.[1] && m[2] !== undefined) values[m[1]] = m[2];
  }
  return values;
}

/** A variable's string default in variables.tf, e.g. `name` ("platform"). */
export function variableDefault(variablesTf: string, variable: string): string | undefined {
  const block = variablesTf.match(new RegExp(`variable\\s+"${variable}"\\s*\\{([\\s\\S]*?)\\n\\}`))?.[1];
  return block?.match(/^\s*default\s*=\s*"([^"]*)"/m)?.[1];
}

export function environments(dir = terraformDir): string[] {
  const envDir = join(dir, 'environments');
  if (!existsSync(envDir)) return [];
  return readdirSync(envDir)
    .filter((f) => f.endsWith('.tfvars'))
    .map((f) => f.slice(0, -'.tfvars'.length))
    .sort();
}

export function resolveNames(o: TargetOptions, env: NodeJS.ProcessEnv = process.env, dir = terraformDir): Names {
  if (!/^[a-z][a-z0-9]{1,11}$/.test(o.env)) throw new OpsError(`--env must be an environment name, got "${o.env}"`);
  const file = join(dir, 'environments', `${o.env}.tfvars`);
  if (!existsSync(file)) {
    throw new OpsError(
      `no environment ${o.env}: ${file} does not exist (environments: ${environments(dir).join(', ') || 'none'})`,
    );
  }
  const tfvars = readTfvars(readFileSync(file, 'utf8'));
  const variables = readFileSync(join(dir, 'variables.tf'), 'utf8');
  const name = tfvars.name ?? variableDefault(variables, 'name');
  const environment = tfvars.environment ?? o.env;
  const region = o.region ?? env.AWS_REGION ?? tfvars.region ?? variableDefault(variables, 'region');
  if (!name) throw new OpsError(`cannot tell the stack's name: no name in ${file} nor a default in variables.tf`);
  if (!region) throw new OpsError('no region: pass --region, set AWS_REGION or set region in the tfvars');
  const prefix = `${name}-${environment}`;
  return {
    environment,
    region,
    prefix,
    cluster: prefix,
    family: (service) => `${prefix}-${service}`,
    logGroup: (service) => `/ecs/${prefix}/${service}`,
    jwtSecret: `${prefix}/jwt-keys`,
  };
}

export function createClients(names: Names, o: TargetOptions): Clients {
  const config = {
    region: names.region,
    ...(o.endpoint && { endpoint: o.endpoint }),
    ...(o.profile && { profile: o.profile }),
  };
  return {
    ecs: new ECSClient(config),
    logs: new CloudWatchLogsClient(config),
    secrets: new SecretsManagerClient(config),
  };
}
