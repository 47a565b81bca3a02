import type { TestProject } from 'vitest/node';
import { type Backends, provisionBackends } from './servers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    backends: Backends;
  }
}

/** Gets real servers once for the whole run and hands their URLs to every suite. */
export default async function setup(project: TestProject) {
  const started = Date.now();
  const { backends, teardown } = await provisionBackends();
  process.stdout.write(`[test servers] ${backends.origin} (ready in ${Date.now() - started} ms)\n`);
  project.provide('backends', backends);
  return teardown;
}
