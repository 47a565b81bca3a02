/**
 * The pieces of setup and doctor that need no server: the value rules against Terraform's own,
 * the tfvars edits, what a plan allows, where the GitHub API is, remote URLs, AWS profiles, and
 * the sealed box GitHub opens.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sodium from 'libsodium-wrappers';
import { describe, expect, it } from 'vitest';
import { profileRegion } from '../lib/setup/detect.ts';
import { repositoryFromUrl } from '../lib/setup/git.ts';
import { apiBase } from '../lib/setup/github.ts';
import { planVerdict, type RepoInfo } from '../lib/setup/github-state.ts';
import { readList, readString, setList, setString } from '../lib/setup/hcl-values.ts';
import { smokeAddress } from '../lib/setup/inputs.ts';
import { RULES, violation } from '../lib/setup/rules.ts';
import { sealSecret } from '../lib/setup/seal.ts';
import { parseSource } from '../lib/setup/settings.ts';
import { deployRoleArns, keptRoleNames } from '../lib/setup/terraform.ts';

const terraform = join(import.meta.dirname, '..', '..', 'infra', 'terraform');
const read = (f: string) => readFileSync(join(terraform, f), 'utf8');

/** The regex of `can(regex("...", var.<name>))` (or of `e` in a for over var.<name>), as JS source. */
function terraformPattern(text: string, variable: string): string | undefined {
  const block = text.match(new RegExp(`variable\\s+"${variable}"\\s*\\{([\\s\\S]*?)\\n\\}`))?.[1] ?? '';
  const hcl = block.match(/can\(regex\("((?:[^"\\]|\\.)*)",/)?.[1];
  return hcl?.replace(/\\\\/g, '\\');
}

describe("rules are Terraform's", () => {
  it('name, environment, emails and the repository match the validations of variables.tf and bootstrap/variables.tf', () => {
    const root = read('variables.tf');
    const bootstrap = read('bootstrap/variables.tf');
    expect(terraformPattern(root, 'name')).toBe(RULES.name.pattern.source);
    expect(terraformPattern(bootstrap, 'name')).toBe(RULES.name.pattern.source);
    expect(terraformPattern(root, 'environment')).toBe(RULES.environment.pattern.source);
    expect(terraformPattern(root, 'admin_emails')).toBe(RULES.email.pattern.source);
    expect(terraformPattern(bootstrap, 'github_repository')).toBe(RULES.repository.pattern.source.replace('\\/', '/'));
    // every environment name Terraform reserves, setup refuses too
    const reserved = [...`${root}\n${bootstrap}`.matchAll(/(?:!=\s*"([a-z]+)"|!contains\(\[([^\]]+)\])/g)].flatMap(
      (m) => (m[1] ? [m[1]] : [...(m[2] ?? '').matchAll(/"([a-z]+)"/g)].map((x) => x[1] ?? '')),
    );
    expect(reserved).toContain('github');
    for (const word of reserved) expect(violation('environment', word), word).toMatch(/reserved/);
  });

  it('refuses what Terraform would refuse, with a message that says what is expected', () => {
    expect(violation('name', 'Platform')).toBe(
      '"Platform" is not 2-13 lower-case letters, digits or dashes, starting with a letter (the prefix of every AWS resource)',
    );
    expect(violation('name', 'a-very-long-name')).toBeDefined();
    expect(violation('name', 'shop')).toBeUndefined();
    expect(violation('environment', 'prod-eu')).toBeDefined();
    expect(violation('region', 'europe')).toBe('"europe" is not an AWS region name such as eu-west-1');
    for (const r of ['eu-west-1', 'us-gov-west-1', 'ap-southeast-5', 'il-central-1'])
      expect(violation('region', r), r).toBeUndefined();
    expect(violation('email', 'a@b,c@d')).toBeDefined();
    expect(violation('email', 'me+smoke@example.com')).toBeUndefined();
    expect(violation('repository', 'acme')).toBeDefined();
  });
});

describe('tfvars edits keep everything else', () => {
  const text = `environment = "production"
region      = "eu-west-1" # the stack's region

service_scaling = {
  customer = { desired_count = 2, max_count = 6 }
}
admin_emails = [
  "a@example.com", # the owner
  "b@example.com",
]
deletion_protection = true
`;

  it('reads strings and lists (one line or several, comments ignored)', () => {
    expect(readString(text, 'region')).toBe('eu-west-1');
    expect(readString(text, 'name')).toBeUndefined();
    expect(readList(text, 'admin_emails')).toEqual(['a@example.com', 'b@example.com']);
    expect(readList('admin_emails = []\n', 'admin_emails')).toEqual([]);
    expect(readList(text, 'nothing')).toBeUndefined();
  });

  it('changes a value in place (its comment kept), adds a missing one before the line asked for, rewrites a list', () => {
    let t = setString(text, 'region', 'eu-central-1');
    expect(t).toContain('region      = "eu-central-1" # the stack\'s region');
    t = setString(t, 'name', 'shop', 'environment');
    expect(t.split('\n')[0]).toBe('name = "shop"');
    t = setList(t, 'admin_emails', ['a@example.com', 'b@example.com', 'c@example.com']);
    expect(readList(t, 'admin_emails')).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(t).toContain('service_scaling = {\n  customer = { desired_count = 2, max_count = 6 }\n}');
    expect(t).toContain('deletion_protection = true');
    expect(t.match(/admin_emails/g)).toHaveLength(1);
  });
});

describe('what the plan allows', () => {
  const repo = (o: Partial<RepoInfo>): RepoInfo => ({
    fullName: 'acme/shop',
    owner: 'acme',
    name: 'shop',
    id: 1,
    ownerId: 2,
    ownerType: 'User',
    private: true,
    visibility: 'private',
    defaultBranch: 'main',
    admin: true,
    fork: true,
    htmlUrl: '',
    ...o,
  });

  it('public: everything; private on Free: no environments (make it public or upgrade); Pro/Team: no reviewers; Enterprise: everything', () => {
    expect(planVerdict(repo({ private: false }), 'free')).toEqual({
      environments: true,
      reviewers: true,
      branchProtection: true,
    });
    const free = planVerdict(repo({}), 'free');
    expect(free).toMatchObject({ environments: false, reviewers: false, branchProtection: false });
    expect(free.advice).toMatch(/private on GitHub Free.*Make it public.*upgrade to GitHub Pro/);
    expect(planVerdict(repo({ ownerType: 'Organization' }), 'free').advice).toMatch(/upgrade to GitHub Team/);
    expect(planVerdict(repo({}), 'pro')).toMatchObject({ environments: true, reviewers: false });
    expect(planVerdict(repo({ ownerType: 'Organization' }), 'team')).toMatchObject({
      environments: true,
      reviewers: false,
    });
    expect(planVerdict(repo({ ownerType: 'Organization' }), 'enterprise')).toEqual({
      environments: true,
      reviewers: true,
      branchProtection: true,
    });
    expect(planVerdict(repo({}), undefined)).toMatchObject({ environments: undefined });
  });
});

describe('where things are', () => {
  it('the API: GITHUB_API_URL, else GH_HOST (github.com or an Enterprise Server)', () => {
    expect(apiBase({})).toBe('https://api.github.com');
    expect(apiBase({ GH_HOST: 'github.com' })).toBe('https://api.github.com');
    expect(apiBase({ GH_HOST: 'git.example.com' })).toBe('https://git.example.com/api/v3');
    expect(apiBase({ GH_HOST: 'git.example.com', GITHUB_API_URL: 'http://127.0.0.1:9/' })).toBe('http://127.0.0.1:9');
  });

  it('the repository of a remote URL, in every form git takes', () => {
    for (const url of [
      'https://github.com/acme/shop.git',
      'https://github.com/acme/shop',
      'https://token@github.com/acme/shop.git',
      'git@github.com:acme/shop.git',
      'ssh://git@github.com/acme/shop.git',
    ]) {
      expect(repositoryFromUrl(url), url).toBe('acme/shop');
    }
    expect(repositoryFromUrl('https://gitlab.com/acme/shop.git')).toBeUndefined();
    expect(repositoryFromUrl('git@git.example.com:acme/shop.git', 'git.example.com')).toBe('acme/shop');
  });

  it('the region of an AWS profile', () => {
    const config =
      '[default]\nregion = us-east-1\n\n[profile prod]\noutput = json\nregion = eu-central-1\n[sso-session x]\nregion = eu-west-2\n';
    expect(profileRegion(config, 'default')).toBe('us-east-1');
    expect(profileRegion(config, 'prod')).toBe('eu-central-1');
    expect(profileRegion(config, 'other')).toBeUndefined();
  });

  it("the smoke flow's admin beside yours, and the sources of infra/github-settings.json", () => {
    expect(smokeAddress('me@example.com')).toBe('me+smoke@example.com');
    expect(smokeAddress('me+shop@example.com')).toBe('me+smoke@example.com');
    expect(parseSource('bootstrap:deploy_role_arns[env]')).toEqual({
      kind: 'bootstrap',
      output: 'deploy_role_arns',
      perEnvironment: true,
    });
    expect(parseSource('prompt:smoke_admin_password (secret)')).toMatchObject({
      kind: 'prompt',
      key: 'smoke_admin_password',
      secret: true,
    });
    expect(parseSource('prompt:previews (true to turn on)')).toMatchObject({
      kind: 'prompt',
      key: 'previews',
      secret: false,
    });
    expect(parseSource('fixed:true')).toEqual({ kind: 'fixed', value: 'true' });
  });
});

describe('the sealed box', () => {
  it('opens with the private key of the public key it was sealed for, and with no other', async () => {
    await sodium.ready;
    const keys = sodium.crypto_box_keypair();
    const other = sodium.crypto_box_keypair();
    const sealed = sodium.from_base64(
      await sealSecret(sodium.to_base64(keys.publicKey, sodium.base64_variants.ORIGINAL), 'pässwörd'),
      sodium.base64_variants.ORIGINAL,
    );
    expect(sodium.to_string(sodium.crypto_box_seal_open(sealed, keys.publicKey, keys.privateKey))).toBe('pässwörd');
    expect(() => sodium.crypto_box_seal_open(sealed, other.publicKey, other.privateKey)).toThrow();
    // anonymous sender: a new ephemeral key each time
    expect(await sealSecret(sodium.to_base64(keys.publicKey, sodium.base64_variants.ORIGINAL), 'x')).not.toBe(
      await sealSecret(sodium.to_base64(keys.publicKey, sodium.base64_variants.ORIGINAL), 'x'),
    );
  });
});

describe("the bootstrap's deploy roles", () => {
  const arn = (role: string) => `arn:aws:iam::123456789012:role/${role}`;

  it("a map per environment, or the one role of a bootstrap from before the list of environments (production's)", () => {
    expect(deployRoleArns({ deploy_role_arns: { staging: arn('p-deploy-staging') } })).toEqual({
      staging: arn('p-deploy-staging'),
    });
    expect(deployRoleArns({ deploy_role_arn: arn('p-github-deploy') })).toEqual({ production: arn('p-github-deploy') });
    expect(deployRoleArns({})).toEqual({});
  });

  it('keeps the name of a role that is not <name>-deploy-<env> (the upgraded production role), and only of listed environments', () => {
    expect(keptRoleNames({ deploy_role_arn: arn('p-github-deploy') }, 'p', ['staging', 'production'])).toEqual({
      production: 'p-github-deploy',
    });
    expect(
      keptRoleNames(
        {
          deploy_role_arns: { staging: arn('p-deploy-staging'), production: arn('p-github-deploy'), qa: arn('old-qa') },
        },
        'p',
        ['staging', 'production'],
      ),
    ).toEqual({ production: 'p-github-deploy' });
    expect(keptRoleNames({ deploy_role_arns: { staging: arn('p-deploy-staging') } }, 'p', ['staging'])).toEqual({});
    expect(keptRoleNames(undefined, 'p', ['staging'])).toEqual({});
  });
});
