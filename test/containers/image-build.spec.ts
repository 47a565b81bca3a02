/**
 * The Dockerfile's own checks, with the classic builder: the build stops when the CA bundle is not
 * the one whose SHA-256 the repository records, and when SERVICE is missing. Built from a copy of
 * the build context with one file changed, so the repository is never touched; the npm ci layer
 * comes from the cache the global setup's builds left.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baseImages, docker, root } from './docker.ts';

const context = mkdtempSync(join(tmpdir(), 'build-context-'));
for (const path of ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json', 'certs', 'scripts', 'services'])
  cpSync(join(root, path), join(context, path), {
    recursive: true,
    filter: (source) => !/node_modules|\/dist(\/|$)/.test(source),
  });
afterAll(() => rmSync(context, { recursive: true, force: true }));

const build = (...args: string[]) =>
  docker(
    [
      'build',
      ...Object.entries(baseImages()).flatMap(([name, image]) => ['--build-arg', `${name}=${image}`]),
      ...args,
      context,
    ],
    { DOCKER_BUILDKIT: '0' },
  );

describe('the Dockerfile refuses to build', () => {
  it('when the CA bundle differs from its recorded SHA-256', async () => {
    const bundle = join(context, 'certs', 'rds-global-bundle.pem');
    writeFileSync(bundle, '-----BEGIN CERTIFICATE-----\nnot the one AWS publishes\n-----END CERTIFICATE-----\n');
    await expect(build('--build-arg', 'SERVICE=products', '--target', 'build')).rejects.toThrow(
      /rds-global-bundle\.pem: FAILED/,
    );
    cpSync(join(root, 'certs', 'rds-global-bundle.pem'), bundle);
  });

  it('when SERVICE is not given, saying how to give it', async () => {
    await expect(build('--target', 'build')).rejects.toThrow(
      /build with --build-arg SERVICE=<a service of services\/, e\.g\. products>/,
    );
  });
});
