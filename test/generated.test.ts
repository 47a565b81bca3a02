/**
 * Everything that lists the services is derived from their manifests: a new services/<name>
 * folder is wired in everywhere by `npm run generate`, and forgetting to run it fails here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerfileWorkspaces, generatedFiles, staleFiles } from '../scripts/generate.ts';
import { loadManifests, root, serviceNames, servicesDir } from '../scripts/lib/services.ts';
import { subscribedTypes } from '../services/shared/src/service.ts';
import { registeredTopology } from '../services/shared/src/topology.ts';

const manifests = await loadManifests();

describe('services are wired in from their manifests', () => {
  it('every folder under services/ is a service with a manifest (or the kit)', () => {
    const folders = readdirSync(servicesDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'shared')
      .map((d) => d.name);
    for (const folder of folders) {
      expect(existsSync(join(servicesDir, folder, 'src', 'service.ts')), `services/${folder}/src/service.ts`).toBe(
        true,
      );
      const pkg = JSON.parse(readFileSync(join(servicesDir, folder, 'package.json'), 'utf8'));
      expect(pkg.name, `services/${folder}/package.json`).toBe(`@platform/${folder}`);
      expect(existsSync(join(servicesDir, folder, 'src', 'main.ts')), `services/${folder}/src/main.ts`).toBe(true);
    }
    expect(serviceNames()).toEqual(folders.sort());
  });

  it('npm workspaces take every service folder without a list to keep', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.workspaces).toEqual(['services/*']);
  });

  it('every generated file is what the manifests make of it (else: npm run generate)', async () => {
    expect(await staleFiles(manifests), 'stale generated files').toEqual([]);
  });

  it('a change to a manifest makes its generated files stale', async () => {
    const changed = manifests.map((m) =>
      m.name === 'products' ? { ...m, deploy: { ...m.deploy, priority: 999 } } : m,
    );
    const renamed = manifests.map((m) => (m.name === 'customer' ? { ...m, description: 'something else' } : m));
    expect(generatedFiles.length).toBeGreaterThan(0);
    expect((await staleFiles(renamed)).length).toBeGreaterThan(0);
    expect(await staleFiles(changed)).toEqual(
      generatedFiles.filter((g) => g.render(changed) !== g.render(manifests)).map((g) => g.path),
    );
  });

  it('a new service is a new workspace the Dockerfile copies before npm ci', async () => {
    const added = [...manifests, { ...(manifests[0] as (typeof manifests)[number]), name: 'reviews' }];
    expect(await staleFiles(added)).toContain('Dockerfile');
    expect(dockerfileWorkspaces.render(added)).toContain('COPY services/reviews/package.json services/reviews/\n');
  });

  it('the topology the kit declares is the manifests’ subscriptions', () => {
    expect(registeredTopology).toEqual(
      Object.fromEntries(
        manifests.filter((m) => subscribedTypes(m).length > 0).map((m) => [m.name, subscribedTypes(m)]),
      ),
    );
  });

  it('route priorities are unique', () => {
    const priorities = manifests.map((m) => m.deploy.priority);
    expect(new Set(priorities).size).toBe(priorities.length);
  });
});
