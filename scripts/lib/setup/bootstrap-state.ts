/**
 * The bootstrap keeps its state locally (it creates the bucket remote states live in). Setup
 * copies that state into the bucket (bootstrap/terraform.tfstate; it holds no secret: names,
 * ARNs, policies) after each run, and brings it back on a machine that has none, so a teammate
 * or a new laptop running setup finds the bootstrap as it is instead of trying to create it again.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Aws } from './aws.ts';

export const BOOTSTRAP_STATE_KEY = 'bootstrap/terraform.tfstate';

async function remoteCopy(aws: Aws, bucket: string): Promise<string | undefined> {
  try {
    const out = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: BOOTSTRAP_STATE_KEY }));
    return await out.Body?.transformToString('utf8');
  } catch (err) {
    const name = (err as { name?: string }).name ?? '';
    if (name === 'NoSuchKey' || name === 'NoSuchBucket' || name === 'NotFound') return undefined;
    throw err;
  }
}

/** Brings the bucket's copy back when there is no local state; whether it did. */
export async function restoreBootstrapState(aws: Aws, bucket: string, dir: string): Promise<boolean> {
  const file = join(dir, 'terraform.tfstate');
  if (existsSync(file)) return false;
  const copy = await remoteCopy(aws, bucket);
  if (!copy) return false;
  writeFileSync(file, copy, { mode: 0o600 });
  return true;
}

/** Copies the local state into the bucket unless the copy there is the same; whether it copied. */
export async function backupBootstrapState(aws: Aws, bucket: string, dir: string): Promise<boolean> {
  const file = join(dir, 'terraform.tfstate');
  if (!existsSync(file)) return false;
  const local = readFileSync(file, 'utf8');
  if ((await remoteCopy(aws, bucket)) === local) return false;
  await aws.s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: BOOTSTRAP_STATE_KEY, Body: local, ContentType: 'application/json' }),
  );
  return true;
}
