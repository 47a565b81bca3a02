/**
 * The JWT key rotation, in two phases so that no token is refused on the way (the contract with
 * the services: the secret <prefix>/jwt-keys holds {"signing": key, "accepted": "key,key"}; a
 * task signs with `signing` and accepts `signing` and every `accepted` key, as read at start).
 *
 *   1. a new key joins `accepted`; every service that reads the secret gets new tasks, which
 *      accept it; nobody signs with it yet.
 *   2. once every service accepts it, it becomes `signing` and the old signing key moves to
 *      `accepted`; new tasks again. Tokens signed with the old key stay valid until they expire.
 *   --retire (later, after the token lifetime): `accepted` is emptied, new tasks refuse old keys.
 *
 * Keys never reach the output: they are named by a fingerprint (the start of their SHA-256).
 */
import { createHash, randomBytes } from 'node:crypto';
import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Context } from './context.ts';
import { OpsError } from './errors.ts';
import { type RollOptions, readersOf, rollServices, sameSecret } from './roll.ts';

export interface JwtKeys {
  signing: string;
  accepted: string[];
}

/** 48 random bytes: 64 characters of base64url. */
export const newKey = (): string => randomBytes(48).toString('base64url');

export const fingerprint = (key: string): string =>
  `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;

export function parseKeys(text: string | undefined, name: string): JwtKeys {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    throw new OpsError(`secret ${name} is not JSON {"signing": ..., "accepted": ...}`);
  }
  const { signing, accepted } = (value ?? {}) as { signing?: unknown; accepted?: unknown };
  if (typeof signing !== 'string' || signing.length < 32 || (accepted !== undefined && typeof accepted !== 'string')) {
    throw new OpsError(`secret ${name} does not hold {"signing": "<key of 32+ characters>", "accepted": "<keys>"}`);
  }
  return {
    signing,
    accepted: (accepted ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
  };
}

export const serializeKeys = (k: JwtKeys): string =>
  JSON.stringify({ signing: k.signing, accepted: k.accepted.join(',') });

const describeKeys = (k: JwtKeys) =>
  `signing ${fingerprint(k.signing)}, accepted ${k.accepted.map(fingerprint).join(' ') || '(none)'}`;

export async function rotateJwt(ctx: Context, o: RollOptions & { retire: boolean }): Promise<void> {
  const name = ctx.names.jwtSecret;
  const read = async () => {
    const out = await ctx.aws.secrets.send(new GetSecretValueCommand({ SecretId: name })).catch((err: unknown) => {
      if ((err as { name?: string }).name === 'ResourceNotFoundException') {
        throw new OpsError(`no secret ${name} in ${ctx.names.region}: is the ${ctx.names.environment} stack applied?`);
      }
      throw err;
    });
    return { arn: out.ARN ?? name, keys: parseKeys(out.SecretString, name) };
  };
  const write = async (keys: JwtKeys) => {
    await ctx.aws.secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString: serializeKeys(keys) }));
    ctx.out(`${name}: ${describeKeys(keys)}`);
  };

  const { arn, keys } = await read();
  const readers = await readersOf(ctx, (ref) => sameSecret(ref, arn, name));
  if (readers.length === 0) {
    throw new OpsError(`no service of ${ctx.names.cluster} reads ${name}: nothing would pick up a new key`);
  }
  const services = readers.map((r) => r.service);
  const roll = (step: string) => {
    ctx.out(`${step}: new tasks for ${services.map((s) => s.serviceName).join(', ')}`);
    return rollServices(ctx, services, o);
  };
  ctx.out(`${name}: ${describeKeys(keys)}; read by ${services.map((s) => s.serviceName).join(', ')}`);

  if (o.retire) {
    if (keys.accepted.length === 0) {
      ctx.out(`${name}: no key but the signing one: nothing to retire`);
      return;
    }
    await write({ signing: keys.signing, accepted: [] });
    const failed = await roll('retire');
    if (failed.length > 0) {
      throw new OpsError(
        `retire: ${failed.join(', ')} did not roll: their tasks still accept the retired keys; fix the rollout, then run rotate-secret jwt --retire again`,
      );
    }
    ctx.out(`retired: only ${fingerprint(keys.signing)} is accepted now`);
    return;
  }

  const key = newKey();
  await write({ signing: keys.signing, accepted: [key, ...keys.accepted.filter((k) => k !== keys.signing)] });
  const failed1 = await roll('phase 1/2 (accept the new key)');
  if (failed1.length > 0) {
    throw new OpsError(
      `phase 1: ${failed1.join(', ')} did not roll, so not every task accepts the new key yet; nothing signs with it. Fix the rollout, then run rotate-secret jwt again (an unused key is harmless; --retire drops it)`,
    );
  }

  const now = await read();
  if (now.keys.signing !== keys.signing || !now.keys.accepted.includes(key)) {
    throw new OpsError(`${name} changed while the services rolled (another rotation?): stopped before phase 2`);
  }
  await write({ signing: key, accepted: [keys.signing, ...now.keys.accepted.filter((k) => k !== key)] });
  const failed2 = await roll('phase 2/2 (sign with the new key)');
  if (failed2.length > 0) {
    throw new OpsError(
      `phase 2: ${failed2.join(', ')} did not roll: some of their tasks may still sign with ${fingerprint(keys.signing)}, which every service still accepts, so nobody is refused. Fix the rollout, then run rotate-secret jwt again`,
    );
  }
  ctx.out(
    `rotated: new tokens are signed with ${fingerprint(key)}; tokens signed with ${fingerprint(keys.signing)} stay valid until they expire (JWT_TTL_SECONDS, 1 h by default). After that: npm run rotate-secret -- jwt --retire --env ${ctx.names.environment}`,
  );
}
