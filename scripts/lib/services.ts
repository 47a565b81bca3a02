/**
 * The services of this repository, found where they live: every services/<name>/ with a
 * src/service.ts manifest (services/shared is the kit). npm start, the build, the generator and
 * the tests all ask here, so a new folder is picked up everywhere and a removed one nowhere.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyManifest } from '../../services/shared/src/service.ts';

export const root = join(import.meta.dirname, '..', '..');
export const servicesDir = join(root, 'services');

/** The folder of each service, sorted: the services' names. */
export function serviceNames(): string[] {
  return readdirSync(servicesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'shared')
    .filter((d) => existsSync(join(servicesDir, d.name, 'src', 'service.ts')))
    .map((d) => d.name)
    .sort();
}

/** A service's manifest, the default export of its src/service.ts. */
export async function loadManifest(name: string): Promise<AnyManifest> {
  const file = join(servicesDir, name, 'src', 'service.ts');
  const manifest = (await import(pathToFileURL(file).href)).default as AnyManifest | undefined;
  if (!manifest?.name) throw new Error(`${file} has no manifest: export default defineService({ ... })`);
  if (manifest.name !== name) throw new Error(`${file} names the service "${manifest.name}"; its folder is "${name}"`);
  return manifest;
}

export const loadManifests = async (): Promise<AnyManifest[]> => Promise.all(serviceNames().map(loadManifest));
