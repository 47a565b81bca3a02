import { createHash } from 'node:crypto';
import { sign, verify } from 'hono/jwt';
import * as z from 'zod';
import { BoundedMap } from './bounded-map.ts';
import { forbidden, unauthorized } from './errors.ts';

export const roleSchema = z.enum(['customer', 'admin']);
export type Role = z.infer<typeof roleSchema>;

/** The caller, as proven by a verified token. */
export interface User {
  id: string;
  email: string;
  role: Role;
}

const claimsSchema = z.object({
  sub: z.string().min(1),
  email: z.string().min(1),
  role: roleSchema,
  exp: z.number().int(),
});

export interface Tokens {
  issue(user: User): Promise<string>;
  /** Resolves to the user, or rejects with a 401 AppError whatever is wrong with the token. */
  verify(token: string): Promise<User>;
}

/**
 * The HS256 keys of a service: new tokens are signed with `signing`; tokens signed with any of
 * `accepted` still verify. Rotating a key is two rollouts, so that no running task ever meets a
 * token it cannot verify: first the new key joins `accepted` everywhere, then it becomes `signing`
 * and the old one moves to `accepted` until the tokens it signed have expired (docs/SECURITY.md).
 */
export interface JwtKeys {
  signing: string;
  accepted?: readonly string[];
}

/** A key's id in the token header: not secret (a hash), it lets verification pick the key at once. */
export const keyId = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 16);

/**
 * One JWT segment in canonical base64url: no padding, no characters outside the alphabet, and
 * the unused low bits of the last character zero. Lenient decoders map several spellings to the
 * same bytes (a flipped low bit, an appended `=`); only the canonical one is the token issued.
 */
function isCanonicalSegment(segment: string): boolean {
  return (
    segment.length > 0 &&
    /^[A-Za-z0-9_-]+$/.test(segment) &&
    Buffer.from(segment, 'base64url').toString('base64url') === segment
  );
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 4096;

function headerKid(token: string): string | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
    const kid = (header as { kid?: unknown } | null)?.kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

const importKey = (secret: string) =>
  crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);

type HmacKey = Awaited<ReturnType<typeof importKey>>;

/**
 * HS256 tokens through hono/jwt, admin tokens shorter-lived (`adminTtlSeconds`) so that an admin
 * taken off the list loses access within minutes even where nothing checks the list. Keys are imported once (not per request); verification pins the
 * algorithm, so `alg: none` and any other algorithm are refused, and a token without `exp` is
 * refused even though the JWT spec makes it optional. Tokens carry the signing key's id (`kid`);
 * one without a kid (issued before kids existed) is tried against every key.
 */
export async function createTokens(
  keys: string | JwtKeys,
  ttlSeconds: number,
  adminTtlSeconds = ttlSeconds,
): Promise<Tokens> {
  const { signing, accepted = [] } = typeof keys === 'string' ? { signing: keys } : keys;
  const secrets = [...new Set([signing, ...accepted])];
  const byKid = new Map(await Promise.all(secrets.map(async (s) => [keyId(s), await importKey(s)] as const)));
  const signingJwk = {
    kty: 'oct',
    k: Buffer.from(signing).toString('base64url'),
    alg: 'HS256' as const,
    kid: keyId(signing),
  };

  // Tokens already verified, until they expire: a client sends the same token with every request,
  // and an HMAC through WebCrypto is a sizeable share of a small request's CPU. The exact token
  // string is the key, so a hit is that very token, signature and all.
  const verified = new BoundedMap<{ user: User; exp: number }>(10_000);

  const verifyWith = async (token: string, key: HmacKey) => {
    try {
      return await verify(token, key, 'HS256');
    } catch (err) {
      const expired = err instanceof Error && err.name === 'JwtTokenExpired';
      throw unauthorized(expired ? 'token expired' : 'invalid token');
    }
  };

  return {
    async issue(user) {
      const now = Math.floor(Date.now() / 1000);
      const ttl = user.role === 'admin' ? Math.min(ttlSeconds, adminTtlSeconds) : ttlSeconds;
      return sign({ sub: user.id, email: user.email, role: user.role, iat: now, exp: now + ttl }, signingJwk);
    },
    async verify(token) {
      const hit = verified.get(token);
      if (hit) {
        if (hit.exp > Date.now() / 1000) return { ...hit.user };
        verified.delete(token);
        throw unauthorized('token expired');
      }
      if (token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token) || !token.split('.').every(isCanonicalSegment)) {
        throw unauthorized('invalid token');
      }
      const kid = headerKid(token);
      let payload: unknown;
      if (kid !== undefined) {
        const key = byKid.get(kid);
        if (!key) throw unauthorized('invalid token');
        payload = await verifyWith(token, key);
      } else {
        let lastError: unknown;
        for (const key of byKid.values()) {
          try {
            payload = await verifyWith(token, key);
            lastError = undefined;
            break;
          } catch (err) {
            lastError = err;
          }
        }
        if (lastError) throw lastError;
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) throw unauthorized('invalid token claims');
      const user: User = { id: claims.data.sub, email: claims.data.email, role: claims.data.role };
      verified.set(token, { user, exp: claims.data.exp });
      return { ...user };
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive (RFC 9110). */
export function bearerToken(header: string | undefined): string {
  const match = header?.match(/^bearer +([A-Za-z0-9_\-.=]+) *$/i);
  if (!match?.[1]) throw unauthorized('missing bearer token');
  return match[1];
}

/**
 * The caller behind an Authorization header: 401 without a valid token, 403 without the role.
 * Given the ADMIN_EMAILS list (`admins`), an admin token counts only while its email is on it:
 * taking an address off the list takes effect with the next deployment of the setting, not when
 * the token expires. Without a list, the token's role is trusted until it expires.
 */
export async function authenticate(
  tokens: Tokens,
  authorization: string | undefined,
  need: 'user' | 'admin',
  admins?: ReadonlySet<string>,
): Promise<User> {
  const user = await tokens.verify(bearerToken(authorization));
  if (need === 'admin' && (user.role !== 'admin' || (admins && !admins.has(user.email.toLowerCase())))) {
    throw forbidden('requires role admin');
  }
  return user;
}
