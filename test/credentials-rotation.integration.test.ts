/**
 * DocumentDB's managed master password rotates (every 7 days by default) while the services run.
 * Here a MongoDB-compatible server that enforces credentials (FerretDB with authentication) and
 * moto's Secrets Manager play the rotation exactly as AWS does it: the new password is stored as
 * the secret's AWSPENDING version, the database user is changed, then AWSPENDING becomes
 * AWSCURRENT. Requests keep flowing throughout, each on a fresh connection (which must log in):
 * none may fail beyond one retry after the Retry-After it was given.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import productsService from '../services/products/src/service.ts';
import { parseConfig } from '../services/shared/src/config.ts';
import { createLogger } from '../services/shared/src/log.ts';
import { type RunningService, startService } from '../services/shared/src/runtime.ts';
import { configSchemaOf } from '../services/shared/src/service.ts';
import { motoClientConfig, startMoto } from './moto.ts';
import { TEST_JWT_SECRET } from './processes.ts';
import { ferretdbControl, startLocal, stopLocal } from './servers.ts';

const SECRET = 'platform-test/docdb-master';
const first = { username: 'platform', password: 'first-password-0123' };
const second = { username: 'platform', password: 'second-password-4567' };

let dir: string;
let database: Awaited<ReturnType<typeof ferretdbControl>>;
let moto: Awaited<ReturnType<typeof startMoto>>;
let secrets: SecretsManagerClient;
let service: RunningService;
const logLines: string[] = [];
const savedEnv = { ...process.env };

const dbUrl = (creds?: { username: string; password: string }) =>
  `mongodb://${creds ? `${creds.username}:${creds.password}@` : ''}127.0.0.1:${database.port}/?authSource=admin&authMechanism=SCRAM-SHA-256`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotation-'));
  database = await ferretdbControl(dir, [
    '--test-enable-new-auth',
    '--setup-database=admin',
    `--setup-username=${first.username}`,
    `--setup-password=${first.password}`,
  ]);
  moto = await startMoto();
  await startLocal(database);
  secrets = new SecretsManagerClient(motoClientConfig(moto.endpoint));
  await secrets.send(new CreateSecretCommand({ Name: SECRET, SecretString: JSON.stringify(first) }));
  // The service's AWS SDK finds moto and its region the way it finds AWS: from the environment.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  const config = parseConfig(configSchemaOf(productsService), {
    // maxIdleTimeMS: connections idle for 50 ms are dropped, so nearly every request logs in anew
    MONGO_URL: `${dbUrl()}&maxIdleTimeMS=50`,
    MONGO_CREDENTIALS_SECRET: SECRET,
    JWT_SECRET: TEST_JWT_SECRET,
  });
  service = await startService(productsService, config, {
    database: 'products',
    logger: createLogger({ level: 'info', write: (line) => logLines.push(line) }),
  });
});

afterAll(async () => {
  await service?.stop();
  process.env = savedEnv;
  moto?.stop();
  if (database) await stopLocal(database, true);
  await rm(dir, { recursive: true, force: true });
});

/** GET /products, and once more after Retry-After if the first answer was 503. */
async function listWithOneRetry(): Promise<{ first: number; final: number }> {
  const call = async () => (await service.fetch(new Request('http://x/products?limit=5'))).status;
  const status = await call();
  if (status !== 503) return { first: status, final: status };
  await new Promise((r) => setTimeout(r, 1000));
  return { first: status, final: await call() };
}

describe('database password rotation', () => {
  it('the server enforces credentials: none or a wrong password is refused', async () => {
    const anonymous = `mongodb://127.0.0.1:${database.port}/`;
    for (const url of [anonymous, dbUrl({ username: 'platform', password: 'wrong' })]) {
      const client = new MongoClient(url, { serverSelectionTimeoutMS: 3000 });
      await expect(client.db('products').collection('x').findOne({})).rejects.toThrow(
        /requires authentication|Authentication failed/,
      );
      await client.close();
    }
  });

  it('requests keep succeeding across a rotation, none failing beyond one retry', async () => {
    const results: Array<{ first: number; final: number }> = [];
    let rotating = true;
    const traffic = (async () => {
      while (rotating) {
        results.push(await listWithOneRetry());
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await new Promise((r) => setTimeout(r, 1500));

    // The rotation, step by step as Secrets Manager's rotation function does it.
    const pending = await secrets.send(
      new PutSecretValueCommand({
        SecretId: SECRET,
        SecretString: JSON.stringify(second),
        VersionStages: ['AWSPENDING'],
      }),
    );
    const admin = new MongoClient(dbUrl(first));
    await admin.db('admin').command({ updateUser: first.username, pwd: second.password });
    await admin.close();
    const before = results.length;
    await new Promise((r) => setTimeout(r, 3000)); // AWSPENDING only, for a while
    await secrets.send(
      new UpdateSecretVersionStageCommand({
        SecretId: SECRET,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: pending.VersionId as string,
        RemoveFromVersionId: (await currentVersion()) as string,
      }),
    );
    await new Promise((r) => setTimeout(r, 2000));
    rotating = false;
    await traffic;

    expect(results.length).toBeGreaterThan(20);
    expect(results.filter((r) => r.final !== 200)).toEqual([]);
    expect(results.slice(before).filter((r) => r.first === 200).length).toBeGreaterThan(5);
    expect(logLines.some((l) => l.includes('database credentials rotated'))).toBe(true);
    // the old password is really gone from the server
    const stale = new MongoClient(dbUrl(first), { serverSelectionTimeoutMS: 3000 });
    await expect(stale.db('products').collection('x').findOne({})).rejects.toThrow(/Authentication/i);
    await stale.close();
  });
});

async function currentVersion(): Promise<string | undefined> {
  const { ListSecretVersionIdsCommand } = await import('@aws-sdk/client-secrets-manager');
  const versions = await secrets.send(new ListSecretVersionIdsCommand({ SecretId: SECRET }));
  return versions.Versions?.find((v) => v.VersionStages?.includes('AWSCURRENT'))?.VersionId;
}
