/**
 * infra/github-settings.json: the GitHub variables and secrets the workflows read, and where each
 * value comes from (`from`): "bootstrap:<output>" or "bootstrap:<output>[env]" (an output of
 * infra/terraform/bootstrap, per environment for a map), "prompt:<key>" with an optional
 * "(note)", "(secret)" for a value never echoed (a value setup asks for), "fixed:<value>". Any
 * other source is a setting setup does not set (reported, left alone). `required: false` marks a
 * setting that turns something optional on.
 */
import { readFileSync } from 'node:fs';
import { SetupError } from './errors.ts';

export interface Setting {
  name: string;
  from: string;
  description: string;
  required: boolean;
}

export interface GithubSettings {
  repository: { variables: Setting[] };
  environments: { variables: Setting[]; secrets: Setting[] };
}

export type Source =
  | { kind: 'bootstrap'; output: string; perEnvironment: boolean }
  | { kind: 'prompt'; key: string; secret: boolean; note?: string | undefined }
  | { kind: 'fixed'; value: string }
  | { kind: 'other'; text: string };

export function parseSource(from: string): Source {
  const bootstrap = from.match(/^bootstrap:([a-z_]+)(\[env\])?$/);
  if (bootstrap?.[1]) return { kind: 'bootstrap', output: bootstrap[1], perEnvironment: !!bootstrap[2] };
  const prompt = from.match(/^prompt:([a-z_]+)(?: \((.*)\))?$/);
  if (prompt?.[1]) return { kind: 'prompt', key: prompt[1], secret: prompt[2] === 'secret', note: prompt[2] };
  const fixed = from.match(/^fixed:(.+)$/);
  if (fixed?.[1]) return { kind: 'fixed', value: fixed[1] };
  return { kind: 'other', text: from };
}

function settingList(value: unknown, where: string): Setting[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new SetupError(`infra/github-settings.json: ${where} must be a list`);
  return value.map((s, i) => {
    const { name, from, description, required } = (s ?? {}) as Partial<Setting>;
    if (typeof name !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(name) || typeof from !== 'string') {
      throw new SetupError(`infra/github-settings.json: ${where}[${i}] needs a name (UPPER_CASE) and a from`);
    }
    return {
      name,
      from,
      description: typeof description === 'string' ? description : '',
      required: required !== false,
    };
  });
}

export function loadSettings(file: string): GithubSettings {
  let raw: { repository?: { variables?: unknown }; environments?: { variables?: unknown; secrets?: unknown } };
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SetupError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return {
    repository: { variables: settingList(raw.repository?.variables, 'repository.variables') },
    environments: {
      variables: settingList(raw.environments?.variables, 'environments.variables'),
      secrets: settingList(raw.environments?.secrets, 'environments.secrets'),
    },
  };
}

/** Bootstrap outputs as `terraform output -json` gives them (values only). */
export type BootstrapOutputs = Record<string, unknown>;

/** A bootstrap-sourced value for the repository (env undefined) or one environment. */
export function bootstrapValue(
  outputs: BootstrapOutputs,
  source: Extract<Source, { kind: 'bootstrap' }>,
  env?: string,
) {
  const value = outputs[source.output];
  if (source.perEnvironment) {
    const map = (value ?? {}) as Record<string, unknown>;
    const v = env === undefined ? undefined : map[env];
    return typeof v === 'string' ? v : undefined;
  }
  return typeof value === 'string' ? value : undefined;
}
