/**
 * infra/github-settings.json (what setup and doctor set and check in GitHub) against the
 * workflows: they read exactly the settings it lists, each where it can exist (a GitHub
 * environment's variable or secret only in a job of an environment: anywhere else it reads as
 * empty), and every value comes from a bootstrap output that exists or from a prompt.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..');
const dir = join(root, '.github', 'workflows');
// biome-ignore lint/suspicious/noExplicitAny: workflow YAML, read field by field
type Yaml = any;
const workflows: Record<string, Yaml> = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => [f, parse(readFileSync(join(dir, f), 'utf8'))]),
);

interface Setting {
  name: string;
  from: string;
  required: boolean;
  description: string;
}
const settings = JSON.parse(readFileSync(join(root, 'infra', 'github-settings.json'), 'utf8')) as {
  repository: { variables: Setting[] };
  environments: { variables: Setting[]; secrets: Setting[] };
};
const repositoryVariables = settings.repository.variables.map((s) => s.name);
const environmentVariables = settings.environments.variables.map((s) => s.name);
const environmentSecrets = settings.environments.secrets.map((s) => s.name);

/** The `vars.X` and `secrets.X` an expression text reads (GITHUB_TOKEN is GitHub's own). */
function reads(text: string): { vars: string[]; secrets: string[] } {
  const names = (kind: string) => [
    ...new Set(
      [...text.matchAll(new RegExp(`\\b${kind}\\.([A-Za-z_][A-Za-z0-9_]*)`, 'g'))]
        .map((m) => m[1] ?? '')
        .filter((n) => n !== 'GITHUB_TOKEN'),
    ),
  ];
  return { vars: names('vars'), secrets: names('secrets') };
}

/** Every job of every workflow, with what it reads and whether it runs in a GitHub environment. */
const jobs = Object.entries(workflows).flatMap(([file, wf]) =>
  Object.entries<Yaml>(wf.jobs).map(([name, job]) => ({
    where: `${file}:${name}`,
    environment: job.environment !== undefined,
    ...reads(JSON.stringify(job)),
  })),
);

describe('infra/github-settings.json', () => {
  it('lists exactly the variables and secrets the workflows read', () => {
    const vars = new Set(jobs.flatMap((j) => j.vars));
    const secrets = new Set(jobs.flatMap((j) => j.secrets));
    // what is read outside the jobs too (workflow-level env, concurrency, run-name)
    for (const wf of Object.values(workflows)) {
      const { jobs: _, ...rest } = wf;
      for (const v of reads(JSON.stringify(rest)).vars) vars.add(v);
    }
    expect([...vars].sort()).toEqual([...repositoryVariables, ...environmentVariables].sort());
    expect([...secrets].sort()).toEqual([...environmentSecrets].sort());
  });

  it('an environment’s variables and secrets are read only in jobs of a GitHub environment', () => {
    const scoped = jobs.filter((j) => j.vars.some((v) => environmentVariables.includes(v)) || j.secrets.length > 0);
    expect(scoped.length).toBeGreaterThan(5);
    for (const j of scoped) expect(j.environment, `${j.where} reads ${[...j.vars, ...j.secrets]}`).toBe(true);
    // and the repository's are not duplicated per environment
    for (const name of repositoryVariables) expect(environmentVariables, name).not.toContain(name);
  });

  it('composite actions read no variable or secret: what they need comes in as inputs', () => {
    const actions = join(root, '.github', 'actions');
    for (const action of readdirSync(actions)) {
      const text = readFileSync(join(actions, action, 'action.yml'), 'utf8');
      expect(reads(text), action).toEqual({ vars: [], secrets: [] });
    }
  });

  it('every value comes from a bootstrap output that exists, or from the user', () => {
    const outputs = readFileSync(join(root, 'infra', 'terraform', 'bootstrap', 'outputs.tf'), 'utf8');
    const all = [
      ...settings.repository.variables,
      ...settings.environments.variables,
      ...settings.environments.secrets,
    ];
    expect(new Set(all.map((s) => s.name)).size).toBe(all.length);
    for (const s of all) {
      expect(s.name, JSON.stringify(s)).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(s.description.length, s.name).toBeGreaterThan(20);
      expect(typeof s.required, s.name).toBe('boolean');
      const bootstrap = s.from.match(/^bootstrap:([a-z_]+)(\[env\])?$/);
      if (bootstrap) {
        expect(outputs, s.from).toContain(`output "${bootstrap[1]}"`);
        // a per-environment value comes from a per-environment output, and only there
        expect(Boolean(bootstrap[2]), s.from).toBe(environmentVariables.includes(s.name));
      } else expect(s.from, s.name).toMatch(/^(prompt|fixed):\S/);
    }
    for (const secret of settings.environments.secrets) expect(secret.from).toMatch(/^prompt:.*\(secret\)$/);
    expect(settings.environments.variables.find((s) => s.name === 'AWS_DEPLOY_ROLE_ARN')?.from).toBe(
      'bootstrap:deploy_role_arns[env]',
    );
  });
});
