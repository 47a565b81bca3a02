/**
 * doctor's checks of what is on this machine: the tools and their versions, the environment
 * files and every value they repeat (name, region, environment names, the state bucket), and the
 * bootstrap's outputs against them.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Line } from './doctor-types.ts';
import { type EnvironmentConfig, isPlaceholder, type Paths, terraformDefaults } from './project.ts';
import { deployRoleArns, requiredTerraform, terraformVersion, versionAtLeast } from './terraform.ts';

const exec = promisify(execFile);

/** Node's version against package.json's engines (">=24 <25"). */
export function nodeLine(root: string, version = process.versions.node): Line {
  const engines =
    (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines?: { node?: string } }).engines?.node ??
    '';
  const min = engines.match(/>=\s*(\d+)/)?.[1];
  const below = engines.match(/<\s*(\d+)/)?.[1];
  const major = Number(version.split('.')[0]);
  if ((min && major < Number(min)) || (below && major >= Number(below))) {
    return {
      mark: 'FIX',
      text: `node ${version}: the platform needs ${engines} (nvm install 24, or npm install --prefix ~/.cache/platform-node24 node@24)`,
    };
  }
  return { mark: 'ok', text: `node ${version}` };
}

export async function toolLines(p: Paths): Promise<Line[]> {
  const lines: Line[] = [nodeLine(p.root)];
  const minimum = requiredTerraform(readFileSync(join(p.bootstrap, 'versions.tf'), 'utf8')) ?? '1.11.0';
  const [tf, gh] = await Promise.all([
    terraformVersion(),
    exec('gh', ['--version']).then(
      (r) => r.stdout.match(/gh version (\S+)/)?.[1] ?? 'installed',
      () => undefined,
    ),
  ]);
  if (!tf) lines.push({ mark: 'FIX', text: `terraform: not on PATH; install ${minimum} or newer` });
  else if (!versionAtLeast(tf, minimum))
    lines.push({ mark: 'FIX', text: `terraform ${tf}: ${minimum} or newer needed` });
  else lines.push({ mark: 'ok', text: `terraform ${tf}` });
  lines.push(
    gh
      ? { mark: 'ok', text: `gh ${gh}` }
      : { mark: 'warn', text: 'gh: not installed (doctor and setup use GH_TOKEN instead; https://cli.github.com)' },
  );
  return lines;
}

/** "a (x, y), b (z)": which files say what. */
function spread(values: Array<{ where: string; value: string | undefined }>): string {
  const by = new Map<string, string[]>();
  for (const { where, value } of values) by.set(value ?? '(not set)', [...(by.get(value ?? '(not set)') ?? []), where]);
  return [...by].map(([v, w]) => `${v} (${w.join(', ')})`).join(', ');
}

/** One line for a value that must be the same everywhere it is repeated. */
export function sameEverywhere(
  what: string,
  values: Array<{ where: string; value: string | undefined }>,
  fix: string,
): Line {
  const distinct = new Set(values.map((v) => v.value));
  if (distinct.size <= 1 && !distinct.has(undefined)) {
    return { mark: 'ok', text: `${what} ${values[0]?.value}: the same in ${values.length} place(s)` };
  }
  return { mark: 'FIX', text: `${what} differs: ${spread(values)}; ${fix}` };
}

export interface Sourced {
  where: string;
  value: string | undefined;
}

/** Every place a repeated value is written, for the consistency lines. */
export interface Repeated {
  name: Sourced[];
  region: Sourced[];
  bucket: Sourced[];
}

const base = (file: string) => file.split('/').pop() ?? file;

export function fileLines(p: Paths, configs: EnvironmentConfig[]): { lines: Line[]; repeated: Repeated } {
  const lines: Line[] = [];
  const defaults = terraformDefaults(p);
  if (configs.length === 0)
    lines.push({ mark: 'FIX', text: 'no infra/terraform/environments/*.tfvars: run npm run setup' });
  for (const c of configs) {
    if (c.environment !== c.env) {
      lines.push({
        mark: 'FIX',
        text: `${c.env}.tfvars says environment = ${c.environment ?? '(not set)'}: it must be ${c.env} (the file names the environment)`,
      });
    }
    if (!c.adminEmails?.length)
      lines.push({
        mark: 'FIX',
        text: `${c.env}.tfvars: admin_emails is empty; the smoke flow's admin must be listed (npm run setup)`,
      });
  }
  const backends = configs.flatMap((c) => c.backends.map((b) => ({ ...b, env: c.env })));
  const missing = backends.filter((b) => !b.exists);
  const placeholders = backends.filter((b) => b.exists && isPlaceholder(b.bucket));
  if (missing.length)
    lines.push({
      mark: 'FIX',
      text: `missing backend files: ${missing.map((b) => b.file).join(', ')} (npm run setup writes them)`,
    });
  if (placeholders.length) {
    lines.push({
      mark: 'FIX',
      text: `backend files still name no bucket (REPLACE-WITH...): ${placeholders.map((b) => base(b.file)).join(', ')}; npm run setup writes the bootstrap's bucket into them`,
    });
  }
  for (const b of backends.filter((x) => x.exists)) {
    const state = b.file.endsWith('.credentials.s3.tfbackend') ? 'credentials' : 'platform';
    if (b.key !== `${state}/${b.env}.tfstate`)
      lines.push({
        mark: 'FIX',
        text: `${b.file}: key ${b.key}, expected ${state}/${b.env}.tfstate (the deploy role may use only its own state keys)`,
      });
  }
  if (lines.length === 0)
    lines.push({ mark: 'ok', text: `${configs.map((c) => `${c.env}.tfvars`).join(', ')} and their backend files` });
  const present = backends.filter((b) => b.exists);
  return {
    lines,
    repeated: {
      name: configs.map((c) => ({ where: `${c.env}.tfvars`, value: c.name ?? defaults.name })),
      region: [
        ...configs.map((c) => ({ where: `${c.env}.tfvars`, value: c.region ?? defaults.region })),
        ...present.map((b) => ({ where: base(b.file), value: b.region })),
      ],
      bucket: present.filter((b) => !isPlaceholder(b.bucket)).map((b) => ({ where: base(b.file), value: b.bucket })),
    },
  };
}

/** The name in a role ARN <name>-github-plan. */
export const nameOfPlanRole = (arn: unknown) =>
  typeof arn === 'string' ? arn.match(/:role\/(.+)-github-plan$/)?.[1] : undefined;

/** The bootstrap's deploy roles against the environments (the other outputs: consistency lines). */
export function bootstrapLines(outputs: Record<string, unknown> | undefined, environments: string[]): Line[] {
  if (!outputs) {
    return [
      {
        mark: 'warn',
        text: 'no bootstrap state here (infra/terraform/bootstrap/terraform.tfstate): its resources are checked in AWS and against the GitHub variables instead',
      },
    ];
  }
  const roles = deployRoleArns(outputs);
  const without = environments.filter((e) => !roles[e]);
  return [
    without.length
      ? {
          mark: 'FIX',
          text: `the bootstrap has no deploy role for ${without.join(', ')}: npm run setup applies it with every environment`,
        }
      : {
          mark: 'ok',
          text: `bootstrap: state bucket ${String(outputs.state_bucket)}, deploy roles for ${environments.join(', ')}`,
        },
  ];
}
