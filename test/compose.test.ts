/**
 * docker-compose.yml, read the way Docker reads it: compose-go (the Compose specification's
 * reference implementation, tools/compose-check) validates it against the specification's schema
 * and resolves it; then each service is checked against the Dockerfile and its own config schema.
 * The Dockerfile is checked for what both builders (BuildKit and the classic one) accept, and the
 * CA bundle it ships against its recorded checksum. The images themselves are built and run by
 * `npm run test:containers`.
 */
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadManifests } from '../scripts/lib/services.ts';
import { parseConfig, tracesExporterOf } from '../services/shared/src/config.ts';
import { configSchemaOf } from '../services/shared/src/service.ts';

const root = join(import.meta.dirname, '..');
const run = promisify(execFile);
const IMAGE_VARIABLES = [
  'NODE_BUILD_IMAGE',
  'NODE_RUNTIME_IMAGE',
  'RABBITMQ_IMAGE',
  'MONGO_IMAGE',
  'NGINX_IMAGE',
  'JAEGER_IMAGE',
];
// biome-ignore lint/suspicious/noExplicitAny: the resolved compose project, checked field by field
type Project = any;

/** The compose file resolved with the image variables unset (plus `env`), as compose would. */
async function resolve(env: Record<string, string> = {}): Promise<Project> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !IMAGE_VARIABLES.includes(k)));
  const { stdout } = await run('go', ['run', '.', join(root, 'docker-compose.yml')], {
    cwd: join(root, 'tools', 'compose-check'),
    env: { ...base, ...env },
    maxBuffer: 10 * 1024 * 1024,
  });
  return JSON.parse(stdout);
}

let project: Project;
let overridden: Project;
let traced: Project;
const standIns = {
  NODE_BUILD_IMAGE: 'platform-standin/node-build:24',
  NODE_RUNTIME_IMAGE: 'platform-standin/distroless-node:24',
  RABBITMQ_IMAGE: 'platform-standin/rabbitmq:3.10-management',
  MONGO_IMAGE: 'platform-standin/ferretdb:1.24',
  NGINX_IMAGE: 'platform-standin/nginx:1.22',
};

beforeAll(async () => {
  const go = await run('go', ['version']).catch(() => undefined);
  if (!go) throw new Error('the Compose check needs Go (https://go.dev/dl) to build tools/compose-check');
  project = await resolve();
  overridden = await resolve(standIns);
  traced = await resolve({ COMPOSE_PROFILES: 'tracing', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' });
}, 300_000);

const manifests = await loadManifests();
const SERVICES = manifests.map((m) => m.name);
const apps = Object.fromEntries(manifests.map((m) => [m.name, configSchemaOf(m)]));
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
/** `${name}` as the Dockerfile writes a variable (not a template placeholder of this file). */
const arg = (name: string) => `$\{${name}}`;
/** The Dockerfile's instructions, comments and line continuations removed. */
const instructions = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .filter((l) => l.trim() && !l.startsWith('#'));

describe('docker-compose.yml', () => {
  it('is valid Compose and has the whole local stack, on the real images by default', () => {
    expect(Object.keys(project.services).sort()).toEqual([
      'customer',
      'mongo',
      'nginx',
      'products',
      'rabbitmq',
      'shopping',
    ]);
    expect(Object.keys(project.volumes).sort()).toEqual(['mongo-data', 'rabbitmq-data']);
    expect(project.services.rabbitmq.image).toBe('rabbitmq:4.1-management');
    expect(project.services.mongo.image).toBe('mongo:8.0');
    expect(project.services.nginx.image).toBe('nginx:1.27-alpine');
    for (const name of SERVICES) expect(project.services[name].build.args).toEqual({ SERVICE: name });
  });

  it('takes every image from its variable: the stand-ins are selected by name, never tagged as real ones', () => {
    expect(overridden.services.rabbitmq.image).toBe(standIns.RABBITMQ_IMAGE);
    expect(overridden.services.mongo.image).toBe(standIns.MONGO_IMAGE);
    expect(overridden.services.nginx.image).toBe(standIns.NGINX_IMAGE);
    for (const name of SERVICES) {
      expect(overridden.services[name].build.args).toEqual({
        SERVICE: name,
        NODE_BUILD_IMAGE: standIns.NODE_BUILD_IMAGE,
        NODE_RUNTIME_IMAGE: standIns.NODE_RUNTIME_IMAGE,
      });
    }
  });

  it('the three service blocks are the same but for the service name', () => {
    const [first, ...rest] = SERVICES.map((name) =>
      JSON.parse(JSON.stringify(project.services[name]).replaceAll(name, '<service>')),
    );
    for (const other of rest) expect(other).toEqual(first);
  });

  for (const [name, schema] of Object.entries(apps)) {
    it(`${name}: built from the Dockerfile, run as the task definition runs it, healthy before nginx, configured`, () => {
      const service = project.services[name];
      expect(service.build).toEqual({ context: root, dockerfile: 'Dockerfile', args: { SERVICE: name } });
      expect(service.read_only).toBe(true);
      expect(service.tmpfs).toEqual(['/tmp']);
      // infra/terraform: cpu 256 (0.25 vCPU), memory 512 MiB, stopTimeout 30 s
      expect(service.deploy.resources.limits).toEqual({ cpus: 0.25, memory: String(512 * 1024 * 1024) });
      expect(service.stop_grace_period).toBe('30s');
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

  it('traces go to Jaeger with --profile tracing and the endpoint set; without them, nowhere', () => {
    expect(traced.services.jaeger.image).toMatch(/^jaegertracing\/jaeger:2\.\d+\.\d+$/);
    for (const [name, schema] of Object.entries(apps)) {
      expect(tracesExporterOf(parseConfig(schema, traced.services[name].environment)), name).toBe('otlp');
      expect(tracesExporterOf(parseConfig(schema, project.services[name].environment)), name).toBe('none');
    }
  });

  it('nginx fronts the services with the template the tests run', () => {
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

describe('Dockerfile', () => {
  it('is the only one: every service is built from it with SERVICE', async () => {
    const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*Dockerfile*'], {
      cwd: root,
    });
    // besides the recipes of the stand-in base images, which no service uses, and Dependabot's copy
    // of the base images
    const dockerfiles = stdout
      .split('\n')
      .filter((f) => f && !f.startsWith('.ci/standins/') && f !== 'base-images.Dockerfile');
    expect(dockerfiles).toEqual(['Dockerfile']);
    expect(instructions).toContain('ARG SERVICE');
    expect(instructions).toContain(`RUN node scripts/build.ts "${arg('SERVICE')}"`);
  });

  it('builds on base images given as arguments, whose defaults are the real images', () => {
    expect(instructions.filter((l) => l.startsWith('FROM '))).toEqual([
      `FROM ${arg('NODE_BUILD_IMAGE')} AS build`,
      `FROM ${arg('NODE_RUNTIME_IMAGE')}`,
    ]);
    expect(instructions).toContainEqual(
      expect.stringMatching(/^ARG NODE_BUILD_IMAGE=node:24\.\d+\.\d+-bookworm-slim$/),
    );
    expect(instructions).toContain('ARG NODE_RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian13:nonroot');
  });

  it('its base images are the ones base-images.Dockerfile names, the file Dependabot keeps up to date', () => {
    const pinned = readFileSync(join(root, 'base-images.Dockerfile'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('FROM '))
      .map((l) => l.replace(/^FROM (\S+) AS (\w+)$/, 'ARG $2=$1'));
    expect(pinned).toHaveLength(2);
    for (const line of pinned) expect(instructions, `the Dockerfile should say: ${line}`).toContain(line);
  });

  it('uses nothing the classic builder lacks, and downloads nothing but npm packages', () => {
    expect(dockerfile).not.toMatch(/^# *syntax *=/m);
    for (const line of instructions) {
      expect(line).not.toMatch(/^ADD /); // ADD <url> downloads unchecked; COPY is enough for the rest
      expect(line).not.toMatch(/--mount|--chmod|--link|--checksum|--parents|<</);
    }
    expect(instructions.filter((l) => /https?:\/\//.test(l))).toEqual([]);
  });

  it('the runtime stage: no shell, nonroot, exec-form CMD and health check, the CA bundle checked', () => {
    const runtime = instructions.slice(instructions.indexOf(`FROM ${arg('NODE_RUNTIME_IMAGE')}`));
    expect(runtime.filter((l) => l.startsWith('RUN '))).toEqual([]); // there is no shell to run it
    expect(runtime).toContain('USER 65532:65532');
    expect(runtime).toContain('CMD ["/app/main.mjs"]');
    expect(runtime).toContainEqual(
      expect.stringMatching(/^HEALTHCHECK .*CMD \["\/nodejs\/bin\/node", "\/app\/healthcheck\.mjs"\]$/),
    );
    expect(runtime).toContain('COPY --from=build --chown=0:0 /src/certs/rds-global-bundle.pem /app/global-bundle.pem');
    // checked in the build stage, which has a shell, before the runtime stage copies it
    expect(instructions).toContainEqual(
      expect.stringMatching(/sha256sum --check --strict rds-global-bundle\.pem\.sha256/),
    );
  });
});

describe('certs/rds-global-bundle.pem (the DocumentDB CA bundle in every image)', () => {
  const pem = readFileSync(join(root, 'certs', 'rds-global-bundle.pem'));
  const certificates = [
    ...pem.toString('utf8').matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g),
  ].map((m) => new X509Certificate(m[0]));

  it('matches the SHA-256 recorded beside it (the build checks the same file)', () => {
    const [recorded, file] = readFileSync(join(root, 'certs', 'rds-global-bundle.pem.sha256'), 'utf8')
      .trim()
      .split(/\s+/);
    expect(file).toBe('rds-global-bundle.pem');
    expect(createHash('sha256').update(pem).digest('hex')).toBe(recorded);
  });

  it('holds only self-signed Amazon RDS root CAs, each signature valid', () => {
    expect(certificates.length).toBeGreaterThanOrEqual(90);
    for (const cert of certificates) {
      expect(cert.subject).toMatch(/CN=Amazon RDS (Preview |Beta )?[a-z0-9-]+ Root CA (RSA2048|RSA4096|ECC384) G1/);
      expect(cert.issuer).toBe(cert.subject);
      expect(cert.verify(cert.publicKey)).toBe(true);
      expect(cert.ca).toBe(true);
    }
  });

  it('covers the commercial regions the platform is most often deployed to, in all three key types', () => {
    const subjects = certificates.map((c) => c.subject);
    for (const region of ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1', 'ap-northeast-1']) {
      for (const kind of ['RSA2048', 'RSA4096', 'ECC384']) {
        expect(
          subjects.some((s) => s.includes(`CN=Amazon RDS ${region} Root CA ${kind} G1`)),
          `${region} ${kind}`,
        ).toBe(true);
      }
    }
  });
});
