import { sign, verify } from 'hono/jwt';
import * as z from 'zod';
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
 * HS256 tokens through hono/jwt. The key is imported once (not per request); verification pins
 * the algorithm, so `alg: none` and any other algorithm are refused, and a token without `exp`
 * is refused even though the JWT spec makes it optional.
 */
export async function createTokens(secret: string, ttlSeconds: number): Promise<Tokens> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  return {
    async issue(user) {
      const now = Math.floor(Date.now() / 1000);
      return sign({ sub: user.id, email: user.email, role: user.role, iat: now, exp: now + ttlSeconds }, key, 'HS256');
    },
    async verify(token) {
      let payload: unknown;
      try {
        payload = await verify(token, key, 'HS256');
      } catch (err) {
        const expired = err instanceof Error && err.name === 'JwtTokenExpired';
        throw unauthorized(expired ? 'token expired' : 'invalid token');
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) throw unauthorized('invalid token claims');
      return { id: claims.data.sub, email: claims.data.email, role: claims.data.role };
    },
  };
}

export function bearerToken(header: string | undefined): string {
  const match = header?.match(/^Bearer ([A-Za-z0-9_\-.=]+)$/);
  if (!match?.[1]) throw unauthorized('missing bearer token');
  return match[1];
}

/** The caller behind an Authorization header: 401 without a valid token, 403 without the role. */
export async function authenticate(
  tokens: Tokens,
  authorization: string | undefined,
  need: 'user' | 'admin',
): Promise<User> {
  const user = await tokens.verify(bearerToken(authorization));
  if (need === 'admin' && user.role !== 'admin') throw forbidden('requires role admin');
  return user;
}
