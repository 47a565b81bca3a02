/**
 * Setup's values, resolved in the order the later ones depend on (see inputs.ts for where each
 * comes from): the repository, the environments, the project name, the region and the admin's
 * address first (before any network call); the smoke flow's admin and its password once the
 * repository's current settings are known (a second run keeps them).
 */
import { randomBytes } from 'node:crypto';
import { detectEmail, detectRegion } from './detect.ts';
import { SetupError } from './errors.ts';
import type { RepoState } from './github-state.ts';
import { type Inputs, smokeAddress, splitList } from './inputs.ts';
import { type EnvironmentConfig, isPlaceholder, orderEnvironments, type Paths, terraformDefaults } from './project.ts';
import type { Asker } from './prompt.ts';
import { violation } from './rules.ts';

export interface SetupFlags {
  yes: boolean;
  name?: string | undefined;
  region?: string | undefined;
  repo?: string | undefined;
  environments?: string | undefined;
  adminEmail?: string | undefined;
  smokeAdminEmail?: string | undefined;
  smokeAdminPasswordStdin: boolean;
  reviewers?: string | undefined;
  previews?: boolean | undefined;
  branchProtection: boolean;
  pullRequest: boolean;
  allowDestroy: boolean;
}

export interface BaseValues {
  repository: string;
  environments: string[];
  name: string;
  region: string;
  adminEmail: string;
}

/** The one value every environment's tfvars agree on, if they do. */
function common(configs: EnvironmentConfig[], pick: (c: EnvironmentConfig) => string | undefined): string | undefined {
  const values = [...new Set(configs.map(pick).filter((v): v is string => !!v))];
  return values.length === 1 ? values[0] : undefined;
}

const environmentList = (value: string) => {
  const names = splitList(value);
  if (names.length === 0) return 'name at least one environment';
  for (const n of names) {
    const problem = violation('environment', n);
    if (problem) return problem;
  }
  return undefined;
};

/** The name the bootstrap was applied with, from its plan role (<name>-github-plan). */
const bootstrapName = (outputs: Record<string, unknown> | undefined) =>
  typeof outputs?.plan_role_arn === 'string' ? outputs.plan_role_arn.match(/:role\/(.+)-github-plan$/)?.[1] : undefined;

export async function resolveBase(
  p: Paths,
  o: {
    flags: SetupFlags;
    inputs: Inputs;
    configs: EnvironmentConfig[];
    outputs: Record<string, unknown> | undefined;
    remoteRepository: string | undefined;
    env: NodeJS.ProcessEnv;
  },
): Promise<BaseValues> {
  const { flags, inputs, configs, outputs } = o;
  const defaults = terraformDefaults(p);
  // once a bootstrap ran (or a backend names its bucket), the tfvars hold choices, not the template's
  const configured = outputs !== undefined || configs.some((c) => c.backends.some((b) => !isPlaceholder(b.bucket)));

  const repository = await inputs.resolve({
    flag: '--repo',
    metavar: 'OWNER/NAME',
    question: 'GitHub repository',
    rule: 'repository',
    given: flags.repo,
    existing: o.remoteRepository ? { value: o.remoteRepository, from: 'git remote' } : undefined,
  });

  const existingEnvs = configs.map((c) => c.env);
  const environments = await inputs.resolve({
    flag: '--environments',
    metavar: 'staging,production',
    question: 'Environments, in promotion order',
    rule: environmentList,
    given: flags.environments,
    existing: existingEnvs.length
      ? { value: orderEnvironments(existingEnvs).join(','), from: 'environments/*.tfvars' }
      : undefined,
    detected: { value: 'staging,production', from: 'the default' },
  });

  const tfvarsName = common(configs, (c) => c.name);
  const repoName = repository?.value.split('/')[1]?.toLowerCase();
  const name = await inputs.resolve({
    flag: '--name',
    metavar: 'NAME',
    question: 'Project name (prefix of every AWS resource)',
    rule: 'name',
    given: flags.name,
    existing: tfvarsName
      ? { value: tfvarsName, from: 'tfvars' }
      : bootstrapName(outputs)
        ? { value: bootstrapName(outputs) as string, from: 'the bootstrap' }
        : configured && defaults.name
          ? { value: defaults.name, from: 'variables.tf (deployed with it)' }
          : undefined,
    detected:
      repoName && !violation('name', repoName)
        ? { value: repoName, from: 'the repository name' }
        : { value: defaults.name ?? 'platform', from: 'variables.tf' },
  });

  const tfvarsRegion = common(configs, (c) => c.region);
  const bootstrapRegion = typeof outputs?.region === 'string' ? outputs.region : undefined;
  const region = await inputs.resolve({
    flag: '--region',
    metavar: 'REGION',
    question: 'AWS region',
    rule: 'region',
    given: flags.region,
    existing: bootstrapRegion
      ? { value: bootstrapRegion, from: 'the bootstrap' }
      : configured && tfvarsRegion
        ? { value: tfvarsRegion, from: 'tfvars' }
        : undefined,
    detected: detectRegion(o.env) ?? { value: tfvarsRegion ?? defaults.region ?? 'eu-west-1', from: 'tfvars' },
  });

  const listedAdmin = configs.flatMap((c) => c.adminEmails ?? [])[0];
  const gitEmail = await detectEmail(p.root);
  const adminEmail = await inputs.resolve({
    flag: '--admin-email',
    metavar: 'EMAIL',
    question: 'Your email (gets the admin role of the shop; public in the tfvars)',
    rule: 'email',
    given: flags.adminEmail,
    existing: listedAdmin ? { value: listedAdmin, from: 'admin_emails' } : undefined,
    detected: gitEmail ? { value: gitEmail, from: 'git config user.email' } : undefined,
  });

  inputs.settle();
  if (!repository || !environments || !name || !region || !adminEmail) throw new SetupError('a value is missing', 2);
  return {
    repository: repository.value,
    environments: splitList(environments.value),
    name: name.value,
    region: region.value,
    adminEmail: adminEmail.value,
  };
}

export interface Password {
  origin: 'generated' | 'given';
  value: () => Promise<string>;
}

/** 32 characters from 24 random bytes, URL-safe: long enough, no quoting trouble anywhere. */
export const generatePassword = () => randomBytes(24).toString('base64url');

export async function resolveSmoke(o: {
  flags: SetupFlags;
  inputs: Inputs;
  asker: Asker;
  base: BaseValues;
  state: RepoState | undefined;
  /** The environments whose secret is missing (or, without a state, all). */
  needPassword: string[];
  readStdin: () => Promise<string>;
}): Promise<{ smokeEmail: string; passwords: Record<string, Password> }> {
  const { flags, inputs, base, state } = o;
  // the environments' own, else the repository-wide one of a setup from before environments
  const perEnvironment = base.environments.map((e) => state?.environments[e]?.variables.SMOKE_ADMIN_EMAIL);
  const current = [
    ...new Set(
      (perEnvironment.some(Boolean) ? perEnvironment : [state?.variables.SMOKE_ADMIN_EMAIL]).filter(
        (v): v is string => !!v,
      ),
    ),
  ];
  const smoke = await inputs.resolve({
    flag: '--smoke-admin-email',
    metavar: 'EMAIL',
    question: "Email of the smoke flow's admin (it signs up on the first deploy)",
    rule: 'email',
    given: flags.smokeAdminEmail,
    existing: current.length === 1 && current[0] ? { value: current[0], from: 'GitHub SMOKE_ADMIN_EMAIL' } : undefined,
    detected: { value: smokeAddress(base.adminEmail), from: 'your email, +smoke' },
  });

  const passwords: Record<string, Password> = {};
  if (o.needPassword.length > 0) {
    if (flags.smokeAdminPasswordStdin) {
      const given = (await o.readStdin()).replace(/\r?\n$/, '');
      if (given.length < 12)
        throw new SetupError('--smoke-admin-password-stdin: the password must be at least 12 characters', 2);
      for (const env of o.needPassword) passwords[env] = { origin: 'given', value: async () => given };
    } else if (o.asker.interactive) {
      for (const env of o.needPassword) {
        let given = '';
        for (;;) {
          given = await o.asker.secret(`SMOKE_ADMIN_PASSWORD for ${env} (not shown; Enter: generate a random one): `);
          if (given === '' || given.length >= 12) break;
          process.stdout.write('  at least 12 characters, or Enter to generate one\n');
        }
        const value = given;
        passwords[env] = given
          ? { origin: 'given', value: async () => value }
          : { origin: 'generated', value: async () => generatePassword() };
      }
    } else if (flags.yes) {
      for (const env of o.needPassword) passwords[env] = { origin: 'generated', value: async () => generatePassword() };
    } else {
      inputs.missing.push('--smoke-admin-password-stdin (or --yes to generate the SMOKE_ADMIN_PASSWORD)');
    }
  }
  inputs.settle();
  if (!smoke) throw new SetupError('a value is missing', 2);
  return { smokeEmail: smoke.value, passwords };
}
