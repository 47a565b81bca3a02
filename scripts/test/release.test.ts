/**
 * scripts/lib/release.ts and scripts/release.ts: what a deploy builds, promotes and rolls out.
 * The decisions on plain data; ECS and ECR through moto: the promotion puts the previous
 * environment's image into this one's repository and refuses to go on unless the digest there is
 * the same; the command line's plan, promote and images as the workflow runs them.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchGetImageCommand, CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  architectureOf,
  type CopyImage,
  currentImages,
  ecrDigest,
  planBuild,
  planPreview,
  planPromotion,
  platformsOf,
  promote,
  type Running,
  readRunning,
  type Targets,
  tagOf,
  targetsFrom,
} from '../lib/release.ts';
import { skopeoCopy } from '../release.ts';
import { createStack, image, type Moto, REGION, SERVICES, type Stack, startMoto } from './ops-moto.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const registry = `123456789012.dkr.ecr.${REGION}.amazonaws.com`;
const repo = (env: string, service: string) => `${registry}/platform-${env}/${service}`;
const targetsOf = (env: string, services: readonly string[] = SERVICES): Targets =>
  Object.fromEntries(
    services.map((s) => [
      s,
      { cluster: `platform-${env}`, service: s, repository: repo(env, s), family: `platform-${env}-${s}` },
    ]),
  );
const running = (image: string | undefined, td = 'td:1', latest = 'td:1'): Running => ({
  image,
  taskDefinition: td,
  latestTaskDefinition: latest,
  cpuArchitecture: 'X86_64',
});

describe('release decisions', () => {
  it('tags, architectures, platforms', () => {
    expect(tagOf(`${repo('staging', 'customer')}:${A}`)).toBe(A);
    expect(tagOf('localhost:5000/x')).toBeUndefined(); // a registry port is not a tag
    expect(tagOf(`${repo('staging', 'customer')}@sha256:${'c'.repeat(64)}`)).toBeUndefined();
    expect(architectureOf('cpu_architecture     = "ARM64"\n')).toBe('ARM64');
    expect(architectureOf('# cpu_architecture = "ARM64"\nregion = "eu-west-1"\n')).toBe('X86_64');
    expect(platformsOf(['X86_64', 'ARM64', 'X86_64'])).toBe('linux/amd64,linux/arm64');
    expect(platformsOf(['X86_64'])).toBe('linux/amd64');
  });

  it('build: what is not built from the current code is built; what Terraform reconfigured is redeployed', () => {
    const plan = planBuild({
      targets: targetsOf('staging'),
      running: {
        customer: running(`${repo('staging', 'customer')}:${A}`), // code changed since A
        products: running(`${repo('staging', 'products')}:${A}`, 'td:2', 'td:3'), // same code, newer revision
        shopping: running(`${repo('staging', 'shopping')}:bootstrap`), // never deployed
      },
      commit: B,
      platforms: 'linux/amd64,linux/arm64',
      sameCode: (from, service) => from === A && service !== 'customer',
    });
    expect(plan.build).toEqual([
      { service: 'customer', platforms: 'linux/amd64,linux/arm64', repository: repo('staging', 'customer'), tag: B },
      { service: 'shopping', platforms: 'linux/amd64,linux/arm64', repository: repo('staging', 'shopping'), tag: B },
    ]);
    expect(plan.deploy).toEqual([
      { service: 'customer', image: `${repo('staging', 'customer')}:${B}` },
      { service: 'products', image: null },
      { service: 'shopping', image: `${repo('staging', 'shopping')}:${B}` },
    ]);
    expect(plan.promote).toEqual([]);
    expect(plan.notes.join('\n')).toMatch(/products: code as of aaaaaaa runs; Terraform registered a newer revision/);
  });

  it('targets: per service cluster, ECS service, repository and family, from the stack’s outputs', () => {
    const outputs = {
      region: { value: 'eu-west-1' },
      base_url: { value: 'https://d1.cloudfront.net' },
      deploy_targets: { value: { customer: { cluster: 'p', service: 'customer', repository: 'r/p/customer' } } },
      task_definition_families: { value: { customer: 'p-customer' } },
      database_endpoint: { value: 'db' },
    };
    expect(targetsFrom(outputs)).toEqual({
      region: 'eu-west-1',
      baseUrl: 'https://d1.cloudfront.net',
      targets: { customer: { cluster: 'p', service: 'customer', repository: 'r/p/customer', family: 'p-customer' } },
    });
    expect(() => targetsFrom({ region: { value: 'eu-west-1' } })).toThrow(/was it applied\?/);
    expect(() => targetsFrom({ ...outputs, task_definition_families: { value: {} } })).toThrow(
      /no task definition family for customer/,
    );
  });

  it('build: nothing to do once everything runs the current code on the latest revision', () => {
    const plan = planBuild({
      targets: targetsOf('staging'),
      running: Object.fromEntries(SERVICES.map((s) => [s, running(`${repo('staging', s)}:${B}`)])),
      commit: B,
      platforms: 'linux/amd64',
      sameCode: () => true,
    });
    expect([plan.build, plan.deploy]).toEqual([[], []]);
  });

  it('preview: staging’s image where the pull request did not change the code, a build of the head elsewhere', () => {
    const plan = planPreview({
      targets: targetsOf('staging'),
      running: Object.fromEntries(SERVICES.map((s) => [s, running(`${repo('staging', s)}:${A}`)])),
      commit: B,
      pr: 42,
      platforms: 'linux/arm64',
      sameCode: (_from, service) => service !== 'products',
    });
    // what it builds goes to its own repository: staging's keep their 30 latest images only
    const own = `${registry}/platform-staging/pr42/products`;
    expect(plan.build).toEqual([{ service: 'products', platforms: 'linux/arm64', repository: own, tag: B }]);
    expect(plan.builds).toEqual(['products']);
    expect(plan.images).toEqual({
      customer: `${repo('staging', 'customer')}:${A}`,
      products: `${own}:${B}`,
      shopping: `${repo('staging', 'shopping')}:${A}`,
    });
  });
});

describe('promotion against moto (ECS and ECR)', () => {
  let moto: Moto;
  let ecr: ECRClient;
  let stack: Stack;
  const manifest = (layer: string) =>
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: 2,
        digest: `sha256:${'1'.repeat(64)}`,
      },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 10, digest: `sha256:${layer}` }],
    });
  /** What skopeo does to ECR, done with ECR's own API in moto: the same manifest, so the same digest. */
  const copyManifest: CopyImage = async (source, destination) => {
    const [from, digest] = source.split('@');
    const [to, tag] = [
      destination.slice(0, destination.lastIndexOf(':')),
      destination.slice(destination.lastIndexOf(':') + 1),
    ];
    const got = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: from?.slice(from.indexOf('/') + 1),
        imageIds: [{ imageDigest: digest }],
      }),
    );
    await ecr.send(
      new PutImageCommand({
        repositoryName: to.slice(to.indexOf('/') + 1),
        imageTag: tag,
        imageManifest: got.images?.[0]?.imageManifest,
      }),
    );
  };

  beforeAll(async () => {
    moto = await startMoto();
    ecr = new ECRClient({
      endpoint: moto.endpoint,
      region: REGION,
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
    stack = await createStack(moto, { signing: 's'.repeat(40), accepted: '' }); // production, running images at 111...
    for (const env of ['staging', 'production'])
      for (const s of SERVICES) await ecr.send(new CreateRepositoryCommand({ repositoryName: `platform-${env}/${s}` }));
    for (const s of SERVICES) {
      await ecr.send(
        new PutImageCommand({
          repositoryName: `platform-staging/${s}`,
          imageTag: A,
          imageManifest: manifest(s.padEnd(64, '0').replace(/[^0-9a-f]/g, 'e')),
        }),
      );
    }
  }, 60_000);
  afterAll(() => moto?.close());

  it('plans to promote every service whose production image is not staging’s, copies it, and proves the digest', async () => {
    const staging: Record<string, { repository: string; tag: string; digest: string }> = {};
    for (const s of SERVICES)
      staging[s] = {
        repository: repo('staging', s),
        tag: A,
        digest: (await ecrDigest(ecr, repo('staging', s), A)) ?? '',
      };
    expect(Object.values(staging).every((i) => /^sha256:[0-9a-f]{64}$/.test(i.digest))).toBe(true);

    const targets = targetsOf('production');
    const plan = await planPromotion({
      targets,
      running: await readRunning(moto.ecs, targets),
      images: staging,
      digestOf: (s, tag) => ecrDigest(ecr, repo('production', s), tag),
    });
    expect(plan.promote.map((p) => p.service)).toEqual([...SERVICES]);
    expect(plan.deploy).toEqual(SERVICES.map((s) => ({ service: s, image: `${repo('production', s)}:${A}` })));

    const log: string[] = [];
    await promote(plan.promote, { ecr, copy: copyManifest, log: (l) => log.push(l) });
    for (const s of SERVICES) expect(await ecrDigest(ecr, repo('production', s), A)).toBe(staging[s]?.digest);
    expect(log.join('\n')).toContain('the same image');

    // once production runs them (deploy-ecs points the services at repo:A), nothing is left to promote
    const afterwards = await planPromotion({
      targets,
      running: Object.fromEntries(SERVICES.map((s) => [s, running(`${repo('production', s)}:${A}`)])),
      images: staging,
      digestOf: (s, tag) => ecrDigest(ecr, repo('production', s), tag),
    });
    expect([afterwards.promote, afterwards.deploy]).toEqual([[], []]);
    expect(afterwards.notes.join('\n')).toMatch(/customer: up to date/);
  });

  it('refuses to go on when the copy does not end with the same digest, or the tag holds another image', async () => {
    await ecr.send(
      new PutImageCommand({
        repositoryName: 'platform-staging/customer',
        imageTag: B,
        imageManifest: manifest('2'.repeat(64)),
      }),
    );
    const from = {
      repository: repo('staging', 'customer'),
      tag: B,
      digest: (await ecrDigest(ecr, repo('staging', 'customer'), B)) ?? '',
    };
    const item = { service: 'customer', from, repository: repo('production', 'customer') };
    // a copy that changes the image (a re-compressing docker pull/push would)
    const rebuilt: CopyImage = async (_source, destination) => {
      await ecr.send(
        new PutImageCommand({
          repositoryName: 'platform-production/customer',
          imageTag: destination.split(':').pop(),
          imageManifest: manifest('3'.repeat(64)),
        }),
      );
    };
    await expect(promote([item], { ecr, copy: rebuilt, log: () => {} })).rejects.toThrow(
      /has digest sha256:\w+ after the copy, not sha256:/,
    );
    // the tag now holds that other image: a second attempt stops before copying anything
    let copied = false;
    const copy: CopyImage = async () => {
      copied = true;
    };
    await expect(promote([item], { ecr, copy, log: () => {} })).rejects.toThrow(
      /exists with digest .* not the image the previous environment runs/,
    );
    expect(copied).toBe(false);
  });

  it('images: what the environment runs, with each digest (the next environment’s input)', async () => {
    const targets = targetsOf('production', ['customer']);
    // production's customer still runs 111...: not in its repository
    await expect(currentImages(moto.ecs, ecr, targets)).rejects.toThrow(/which its repository does not have/);
    await ecr.send(
      new PutImageCommand({
        repositoryName: 'platform-production/customer',
        imageTag: '1'.repeat(40),
        imageManifest: manifest('4'.repeat(64)),
      }),
    );
    const images = await currentImages(moto.ecs, ecr, targets);
    expect(images.customer?.tag).toBe('1'.repeat(40));
    expect(images.customer?.repository).toBe(repo('production', 'customer'));
    expect(images.customer?.digest).toBe(await ecrDigest(ecr, repo('production', 'customer'), '1'.repeat(40)));
  });

  it('the command line: plan --mode build against ECS, with this repository’s history', async () => {
    const head = (await run('git', ['rev-parse', 'HEAD'])).stdout.trim();
    const targets = targetsOf('production'); // moto's cluster is platform-production, running 111...
    const out = await release(['plan', '--mode', 'build', '--targets', JSON.stringify(targets), '--commit', head]);
    expect(out.code, out.stderr).toBe(0);
    const outputs = Object.fromEntries(
      readFileSync(out.outputFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), JSON.parse(l.slice(l.indexOf('=') + 1))]),
    );
    // 111... is no commit of this history: everything is built, for every environment's architecture
    expect(outputs.build.map((b: { service: string }) => b.service)).toEqual([...SERVICES]);
    expect(outputs.build[0].platforms).toBe(platformsFromRepository());
    expect(outputs.deploy[0]).toEqual({ service: 'customer', image: `${repo('production', 'customer')}:${head}` });
    expect(out.stdout).toContain(
      `customer: runs ${image('customer', '1'.repeat(40))}: build and deploy ${head.slice(0, 7)}`,
    );

    const bad = await release(['plan', '--mode', 'build', '--targets', JSON.stringify(targets), '--commit', 'main']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--commit must be a full commit SHA');
  });

  it('the command line: promote copies with skopeo, the ECR token in a file of its own, never in its arguments', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'skopeo-'));
    const calls = join(bin, 'calls.json');
    // a skopeo that records its arguments and the authfile as it saw it, then fails like a real copy would without a registry
    writeFileSync(
      join(bin, 'skopeo'),
      `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
const authfile = args[args.indexOf('--authfile') + 1];
fs.writeFileSync(${JSON.stringify(calls)}, JSON.stringify({ args, auth: JSON.parse(fs.readFileSync(authfile, 'utf8')), mode: (fs.statSync(authfile).mode & 0o777).toString(8) }));
process.exit(1);
`,
    );
    chmodSync(join(bin, 'skopeo'), 0o755);
    const copy = skopeoCopy(ecr);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      await expect(
        copy(`${repo('staging', 'customer')}@sha256:${'d'.repeat(64)}`, `${repo('production', 'customer')}:${A}`),
      ).rejects.toThrow();
    } finally {
      process.env.PATH = path;
    }
    const seen = JSON.parse(readFileSync(calls, 'utf8'));
    expect(seen.args.slice(0, 3)).toEqual(['copy', '--all', '--preserve-digests']);
    expect(seen.args.slice(-2)).toEqual([
      `docker://${repo('staging', 'customer')}@sha256:${'d'.repeat(64)}`,
      `docker://${repo('production', 'customer')}:${A}`,
    ]);
    expect(Object.keys(seen.auth.auths)).toEqual([registry]);
    expect(seen.auth.auths[registry].auth).toMatch(/^[A-Za-z0-9+/=]{8,}$/);
    expect(seen.args.join(' ')).not.toContain(seen.auth.auths[registry].auth);
    expect(seen.mode).toBe('600');
  });

  it('the command line: rollout rolls every service of the plan out at once and fails when one failed', async () => {
    const targets = targetsOf('production');
    const plan = [
      { service: 'customer', image: `${repo('production', 'customer')}:${A}` },
      { service: 'products', image: null },
    ];
    const ok = await release(['rollout', '--plan', JSON.stringify(plan), '--targets', JSON.stringify(targets)]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/customer: OK/);
    expect(ok.stdout).toMatch(/products: OK/);
    const customer = await readRunning(moto.ecs, targetsOf('production', ['customer', 'products']));
    expect(customer.customer?.image).toBe(`${repo('production', 'customer')}:${A}`);
    expect(customer.products?.image).toBe(image('products', '1'.repeat(40))); // kept, on a new revision
    expect(customer.products?.taskDefinition).not.toBe(stack.revisions.products?.[0]);
    expect(customer.products?.taskDefinition).toBe(customer.products?.latestTaskDefinition);

    const missing = { ...targets, shopping: { ...targets.shopping, service: 'no-such-service' } } as Targets;
    const failed = await release([
      'rollout',
      '--plan',
      JSON.stringify([...plan, { service: 'shopping', image: `${repo('production', 'shopping')}:${A}` }]),
      '--targets',
      JSON.stringify(missing),
    ]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/::error::shopping: /);
    expect(failed.stdout).toMatch(/customer: OK/); // the others still rolled out

    const unknown = await release([
      'rollout',
      '--plan',
      JSON.stringify([{ service: 'nope', image: null }]),
      '--targets',
      JSON.stringify(targets),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no target for nope');
  }, 120_000);

  function release(args: string[]) {
    const outputFile = join(mkdtempSync(join(tmpdir(), 'release-out-')), 'output');
    writeFileSync(outputFile, '');
    return run(
      process.execPath,
      [join(import.meta.dirname, '..', 'release.ts'), ...args, '--endpoint', moto.endpoint, '--region', REGION],
      {
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        GITHUB_OUTPUT: outputFile,
      },
    ).then((r) => ({ ...r, outputFile }));
  }
});

function platformsFromRepository(): string {
  const dir = join(import.meta.dirname, '..', '..', 'infra', 'terraform', 'environments');
  return platformsOf(
    ['staging', 'production'].map((env) => architectureOf(readFileSync(join(dir, `${env}.tfvars`), 'utf8'))),
  );
}

function run(command: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(command, args, {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
