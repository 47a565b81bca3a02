/**
 * `npm run new:service -- <name>`: a new service that works at once: a manifest, routes with a
 * zod-validated example, a store with a memory and a MongoDB adapter under one contract suite, a
 * subscription (order.confirmed), its tests. It is wired in everywhere by the generator (registry,
 * nginx, compose, Terraform) and by discovery (npm start, the build, the tests): nothing else to
 * edit. `npm run remove:service -- <name>` takes it out again.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { SERVICE_NAME, SERVICE_NAME_RULE } from '../services/shared/src/service.ts';
import { writeGenerated } from './generate.ts';
import { isMain } from './lib/main.ts';
import { loadManifests, root, servicesDir } from './lib/services.ts';

/** Path segments the platform uses already, or that would confuse a reader of the routes. */
const RESERVED = new Set(['shared', 'api', 'docs', 'health', 'ready', 'openapi', 'static', 'admin']);
const templates = join(import.meta.dirname, 'templates', 'service');

export function checkName(name: string | undefined, existing: string[]): string {
  if (!name) throw new Error('usage: npm run new:service -- <name>   (e.g. reviews, gift-cards)');
  if (!SERVICE_NAME.test(name)) throw new Error(`"${name}": use ${SERVICE_NAME_RULE}`);
  if (RESERVED.has(name)) throw new Error(`"${name}" is reserved; choose another name`);
  if (existing.includes(name) || existsSync(join(servicesDir, name)))
    throw new Error(`services/${name} exists already`);
  return name;
}

const pascal = (name: string) =>
  name
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/** Copies the template into services/<name>, filling in the name and the ALB rule priority. */
export function scaffold(name: string, priority: number, into = servicesDir): string[] {
  const target = join(into, name);
  const written: string[] = [];
  const walk = (from: string) => {
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const source = join(from, entry.name);
      if (entry.isDirectory()) {
        walk(source);
        continue;
      }
      const destination = join(target, relative(templates, source)).replace(/\.tmpl$/, '');
      mkdirSync(dirname(destination), { recursive: true });
      const content = readFileSync(source, 'utf8')
        .replaceAll('__Name__', pascal(name))
        .replaceAll('__name__', name)
        .replaceAll('__priority__', String(priority));
      writeFileSync(destination, content);
      written.push(relative(root, destination));
    }
  };
  walk(templates);
  return written;
}

/** npm links the service workspaces and records them in package-lock.json. */
export function linkWorkspaces() {
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

if (isMain(import.meta)) {
  try {
    const manifests = await loadManifests();
    const name = checkName(
      process.argv[2],
      manifests.map((m) => m.name),
    );
    const priority = Math.max(0, ...manifests.map((m) => m.deploy.priority)) + 10;
    const files = scaffold(name, priority);
    // the template's lines are formatted for a short name; biome formats them for this one
    execFileSync(join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', join(servicesDir, name)], {
      stdio: 'ignore',
    });
    process.stdout.write(`created services/${name} (${files.length} files)\n`);
    await writeGenerated();
    linkWorkspaces();
    process.stdout.write(
      [
        '',
        `services/${name} is wired in. Next:`,
        `  npm test                        # its suite runs with everyone's`,
        `  npm start                       # then: curl http://127.0.0.1:8080/${name}/health`,
        `  open services/${name}/src/service.ts: the manifest, where everything starts`,
        '',
      ].join('\n'),
    );
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
