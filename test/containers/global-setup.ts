import type { TestProject } from 'vitest/node';
import { serviceNames } from '../../scripts/lib/services.ts';

const SERVICES = serviceNames();

import { buildWithClassicBuilder, classicImage, requireDockerAndImages } from './docker.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    serviceImages: Record<string, string>;
  }
}

/**
 * Docker, Compose and every base image there (or a loud failure naming what is missing), then the
 * three service images built once from the Dockerfile with the classic builder; the compose suite
 * builds them again through Compose, with BuildKit.
 */
export default async function setup(project: TestProject) {
  await requireDockerAndImages();
  for (const service of SERVICES) {
    const started = Date.now();
    await buildWithClassicBuilder(service);
    process.stdout.write(
      `[containers] ${classicImage(service)} built (classic builder) in ${Date.now() - started} ms\n`,
    );
  }
  project.provide('serviceImages', Object.fromEntries(SERVICES.map((s) => [s, classicImage(s)])));
}
