/**
 * docker-compose.yml, read the way Docker reads it: compose-go (the Compose specification's
 * reference implementation, tools/compose-check) validates it against the specification's schema
 * and resolves it; then each service is checked against its Dockerfile and its own config schema.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { baseConfigSchema, parseConfig } from '../services/shared/src/config.ts';

const root = join(import.meta.dirname, '..');
const run = promisify(execFile);
// biome-ignore lint/suspicious/noExplicitAny: the resolved compose project, checked field by field
let project: any;

beforeAll(async () => {
  const go = await run('go', ['version']).catch(() => undefined);
  if (!go) throw new Error('the Compose check needs Go (https://go.dev/dl) to build tools/compose-check');
  const { stdout } = await run('go', ['run', '.', join(root, 'docker-compose.yml')], {
    cwd: join(root, 'tools', 'compose-check'),
    maxBuffer: 10 * 1024 * 1024,
  });
  project = JSON.parse(stdout);
}, 300_000);

const apps = { customer: baseConfigSchema, products: baseConfigSchema, shopping: baseConfigSchema };

describe('docker-compose.yml', () => {
  it('is valid Compose and has the whole local stack', () => {
    expect(Object.keys(project.services).sort()).toEqual([
      'customer',
      'mongo',
      'nginx',
      'products',
      'rabbitmq',
      'shopping',
    ]);
    expect(Object.keys(project.volumes).sort()).toEqual(['mongo-data', 'rabbitmq-data']);
    expect(project.services.rabbitmq.image).toMatch(/management/);
  });

  for (const [name, schema] of Object.entries(apps)) {
    it(`${name}: built from its own Dockerfile, healthy before nginx, with every setting its config requires`, () => {
      const service = project.services[name];
      const dockerfile = join(root, service.build.dockerfile);
      expect(existsSync(dockerfile)).toBe(true);
      expect(readFileSync(dockerfile, 'utf8')).toContain(`ARG SERVICE=${name}`);
      expect(service.build.context).toBe(root);
      expect(service.read_only).toBe(true);
      expect(service.healthcheck.test).toEqual(['CMD', '/nodejs/bin/node', '/app/healthcheck.mjs']);
      expect(service.depends_on.mongo.condition).toBe('service_healthy');
      expect(service.depends_on.rabbitmq.condition).toBe('service_healthy');
      expect(project.services.nginx.depends_on[name].condition).toBe('service_healthy');
      // the environment compose gives the container passes the service's own config check
      const config = parseConfig(schema, service.environment);
      expect(config.MONGO_URL).toBe(`mongodb://mongo:27017/${name}`);
      expect(config.AMQP_URL).toMatch(/^amqp:\/\/[^:]+:[^@]+@rabbitmq:5672$/);
      expect(config.JWT_SECRET.length).toBeGreaterThanOrEqual(32);
      expect(service.environment.SERVICE_NAME).toBe(name);
    });
  }

  it('every service Dockerfile is used, and nginx fronts them with the template the tests run', () => {
    const dockerfiles = Object.values(project.services)
      .map((s) => (s as { build?: { dockerfile: string } }).build?.dockerfile)
      .filter(Boolean);
    expect(dockerfiles.sort()).toEqual(Object.keys(apps).map((n) => `services/${n}/Dockerfile`));
    const nginx = project.services.nginx;
    expect(nginx.volumes[0].source).toBe(join(root, 'nginx', 'platform.conf.template'));
    expect(nginx.volumes[0].target).toBe('/etc/nginx/templates/default.conf.template');
    expect(nginx.environment).toMatchObject({
      NGINX_PORT: '80',
      CUSTOMER_UPSTREAM: 'customer:8080',
      PRODUCTS_UPSTREAM: 'products:8080',
      SHOPPING_UPSTREAM: 'shopping:8080',
    });
  });
});

describe('Dockerfiles', () => {
  for (const name of Object.keys(apps)) {
    it(`${name}: esbuild bundle on distroless nodejs24, non-root, exec-form CMD and health check`, () => {
      const text = readFileSync(join(root, 'services', name, 'Dockerfile'), 'utf8');
      const stages = text.match(/^FROM .*/gm) ?? [];
      expect(stages.at(-1)).toBe('FROM gcr.io/distroless/nodejs24-debian13:nonroot');
      expect(text).toMatch(/^RUN node scripts\/build\.ts "\$\{SERVICE\}"$/m);
      expect(text).toMatch(/^USER 65532:65532$/m);
      expect(text).toMatch(/^CMD \["\/app\/main\.mjs"\]$/m);
      expect(text).toMatch(/^HEALTHCHECK .*CMD \["\/nodejs\/bin\/node", "\/app\/healthcheck\.mjs"\]$/m);
      // nothing after the final FROM runs a shell: there is none
      expect(text.slice(text.lastIndexOf('FROM '))).not.toMatch(/^RUN /m);
    });
  }
});
