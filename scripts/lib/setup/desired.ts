/**
 * What the repository's GitHub settings should be, from infra/github-settings.json: each
 * variable's value from the bootstrap's outputs or from setup's values, each secret from the
 * password setup resolved. A setting setup cannot fill is returned apart, to be reported.
 */
import { APPROVED_ENVIRONMENT, type Desired, type DesiredEnvironment } from './github-changes.ts';
import type { RepoInfo, RepoState, Reviewer } from './github-state.ts';
import { bootstrapValue, type GithubSettings, parseSource, type Setting } from './settings.ts';
import type { Password } from './values.ts';

export interface DesiredInputs {
  repo: RepoInfo;
  settings: GithubSettings;
  outputs: Record<string, unknown>;
  environments: string[];
  /** Values of prompt:<key> settings (smoke_admin_email, previews, ...). */
  prompts: Record<string, string | undefined>;
  passwords: Record<string, Password>;
  reviewers: Reviewer[];
  protectBranch: boolean;
  /** Pull-request previews on (PREVIEWS=true): their environment lets every branch deploy. */
  previewEnvironment: string | undefined;
}

export interface Unfilled {
  setting: Setting;
  env?: string | undefined;
  why: string;
}

function settingValue(s: Setting, i: DesiredInputs, env?: string): { value?: string | undefined; why?: string } {
  const source = parseSource(s.from);
  switch (source.kind) {
    case 'bootstrap': {
      const value = bootstrapValue(i.outputs, source, env);
      return value ? { value } : { why: `the bootstrap has no output ${source.output}${env ? ` for ${env}` : ''}` };
    }
    case 'prompt': {
      const value = i.prompts[source.key];
      return value !== undefined ? { value } : { why: `setup does not set it (${s.from})` };
    }
    case 'fixed':
      return { value: source.value };
    default:
      return { why: `setup does not set it (${s.from})` };
  }
}

export function desiredSettings(i: DesiredInputs): { desired: Desired; unfilled: Unfilled[] } {
  const unfilled: Unfilled[] = [];
  const variables: Record<string, string> = {};
  for (const s of i.settings.repository.variables) {
    const { value, why } = settingValue(s, i);
    if (value !== undefined) variables[s.name] = value;
    else if (s.required) unfilled.push({ setting: s, why: why ?? '' });
  }
  const environments: DesiredEnvironment[] = i.environments.map((env) => {
    const vars: Record<string, string> = {};
    for (const s of i.settings.environments.variables) {
      const { value, why } = settingValue(s, i, env);
      if (value !== undefined) vars[s.name] = value;
      else if (s.required) unfilled.push({ setting: s, env, why: why ?? '' });
    }
    const secrets = i.settings.environments.secrets.flatMap((s) => {
      const source = parseSource(s.from);
      const password = i.passwords[env];
      if (source.kind === 'prompt' && source.key === 'smoke_admin_password') {
        return password ? [{ name: s.name, origin: password.origin, value: password.value }] : [];
      }
      if (s.required) unfilled.push({ setting: s, env, why: `setup does not set it (${s.from})` });
      return [];
    });
    return {
      name: env,
      variables: vars,
      secrets,
      reviewers: env === APPROVED_ENVIRONMENT ? i.reviewers : [],
      branches: env === i.previewEnvironment ? null : [i.repo.defaultBranch],
    };
  });
  return {
    desired: {
      repo: i.repo,
      variables,
      environments,
      protectBranch: i.protectBranch,
      environmentVariables: i.settings.environments.variables.map((s) => s.name),
    },
    unfilled,
  };
}

/** The environments whose secret setup sets is missing (all of them without a state). */
export function environmentsMissingSecret(
  settings: GithubSettings,
  state: RepoState | undefined,
  environments: string[],
): string[] {
  const names = settings.environments.secrets
    .filter((s) => {
      const src = parseSource(s.from);
      return src.kind === 'prompt' && src.key === 'smoke_admin_password';
    })
    .map((s) => s.name);
  if (names.length === 0) return [];
  return environments.filter((env) => !state || names.some((n) => !state.environments[env]?.secrets.includes(n)));
}
