import { sign } from 'hono/jwt';
import { describe, expect, it } from 'vitest';
import { authenticate, bearerToken, createTokens, keyId } from '../src/auth.ts';
import { AppError } from '../src/errors.ts';

const secret = 'a-test-secret-that-is-long-enough-000';
const user = { id: 'u1', email: 'a@b.c', role: 'customer' as const };
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

async function rejection(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('tokens', async () => {
  const tokens = await createTokens(secret, 60);

  it('issues HS256 tokens with sub, email, role and exp, and verifies them', async () => {
    const token = await tokens.issue(user);
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(header.alg).toBe('HS256');
    expect(payload).toMatchObject({ sub: 'u1', email: 'a@b.c', role: 'customer' });
    expect(payload.exp - payload.iat).toBe(60);
    expect(await tokens.verify(token)).toEqual(user);
  });

  it('refuses alg none', async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u1', email: 'a', role: 'admin', exp: now() + 60 })}.`;
    expect((await rejection(tokens.verify(token))).status).toBe(401);
  });

  it('refuses a token signed with another secret (forged)', async () => {
    const forged = await sign(
      { sub: 'u1', email: 'a', role: 'admin', exp: now() + 60 },
      'another-secret-another-secret-0000',
      'HS256',
    );
    expect((await rejection(tokens.verify(forged))).message).toBe('invalid token');
  });

  it('refuses a tampered payload', async () => {
    const [h, , s] = (await tokens.issue(user)).split('.');
    const tampered = `${h}.${b64({ sub: 'u1', email: 'a@b.c', role: 'admin', exp: now() + 60 })}.${s}`;
    expect((await rejection(tokens.verify(tampered))).status).toBe(401);
  });

  it('refuses other algorithms even with the right secret', async () => {
    const hs512 = await sign({ sub: 'u1', email: 'a', role: 'customer', exp: now() + 60 }, secret, 'HS512');
    expect((await rejection(tokens.verify(hs512))).status).toBe(401);
  });

  it('a verified token stays valid until it expires, then is refused, even when remembered', async () => {
    const shortLived = await createTokens(secret, 1);
    const token = await shortLived.issue(user);
    expect(await shortLived.verify(token)).toEqual(user);
    expect(await shortLived.verify(token)).toEqual(user); // remembered
    await new Promise((r) => setTimeout(r, 2100));
    expect((await rejection(shortLived.verify(token))).message).toBe('token expired');
  });

  it('refuses expired tokens, saying so', async () => {
    const expired = await sign({ sub: 'u1', email: 'a', role: 'customer', exp: now() - 1 }, secret, 'HS256');
    expect((await rejection(tokens.verify(expired))).message).toBe('token expired');
  });

  it('refuses tokens without exp, and with bad claims', async () => {
    const noExp = await sign({ sub: 'u1', email: 'a', role: 'customer' }, secret, 'HS256');
    expect((await rejection(tokens.verify(noExp))).status).toBe(401);
    const badRole = await sign({ sub: 'u1', email: 'a', role: 'root', exp: now() + 60 }, secret, 'HS256');
    expect((await rejection(tokens.verify(badRole))).status).toBe(401);
  });

  it('authenticate: 401 without a bearer token, 403 without the role', async () => {
    expect((await rejection(authenticate(tokens, undefined, 'user'))).status).toBe(401);
    expect((await rejection(authenticate(tokens, 'Basic abc', 'user'))).status).toBe(401);
    const token = await tokens.issue(user);
    expect(await authenticate(tokens, `Bearer ${token}`, 'user')).toEqual(user);
    expect((await rejection(authenticate(tokens, `Bearer ${token}`, 'admin'))).status).toBe(403);
    const admin = await tokens.issue({ ...user, role: 'admin' });
    expect((await authenticate(tokens, `Bearer ${admin}`, 'admin')).role).toBe('admin');
  });

  it('admin tokens are shorter-lived than customer tokens', async () => {
    const short = await createTokens(secret, 3600, 900);
    const lifetime = async (role: 'admin' | 'customer') => {
      const payload = JSON.parse(
        Buffer.from((await short.issue({ ...user, role })).split('.')[1] as string, 'base64url').toString(),
      );
      return payload.exp - payload.iat;
    };
    expect(await lifetime('customer')).toBe(3600);
    expect(await lifetime('admin')).toBe(900);
  });

  it('authenticate: an admin token counts only while its email is in ADMIN_EMAILS', async () => {
    const admin = await tokens.issue({ ...user, email: 'Boss@Example.com', role: 'admin' });
    const listed = new Set(['boss@example.com']);
    expect((await authenticate(tokens, `Bearer ${admin}`, 'admin', listed)).role).toBe('admin');
    expect((await rejection(authenticate(tokens, `Bearer ${admin}`, 'admin', new Set()))).status).toBe(403);
    // still a signed-in user for everything else
    expect((await authenticate(tokens, `Bearer ${admin}`, 'user', new Set())).id).toBe('u1');
  });

  it('takes the scheme in any letter case, and nothing but one token after it', async () => {
    const token = await tokens.issue(user);
    for (const header of [`Bearer ${token}`, `bearer ${token}`, `BEARER  ${token}`]) {
      expect(bearerToken(header)).toBe(token);
    }
    for (const header of [`Bearer`, `Bearer ${token} extra`, `Token ${token}`, `Bearer\t${token}`]) {
      expect(() => bearerToken(header)).toThrow(AppError);
    }
  });
});

describe('strict token encoding', async () => {
  const tokens = await createTokens(secret, 60);
  const token = await tokens.issue(user);
  const [h, p, s] = token.split('.') as [string, string, string];

  it('refuses a byte appended to any segment, padding included', async () => {
    for (const bad of [`${token}=`, `${token}==`, `${h}=.${p}.${s}`, `${h}.${p}A.${s}`, `${token}A`]) {
      expect((await rejection(tokens.verify(bad))).status, bad).toBe(401);
    }
  });

  it('refuses the signature with its unused low bits flipped (same bytes, another spelling)', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = s.at(-1) as string;
    // 32 bytes are 43 characters: the last one carries 4 bits of signature and 2 unused bits.
    for (const flip of [1, 2, 3]) {
      const twin = alphabet[alphabet.indexOf(last) ^ flip] as string;
      const variant = `${h}.${p}.${s.slice(0, -1)}${twin}`;
      expect(Buffer.from(variant.split('.')[2] as string, 'base64url')).toEqual(Buffer.from(s, 'base64url'));
      expect((await rejection(tokens.verify(variant))).status).toBe(401);
    }
    expect(await tokens.verify(token)).toEqual(user);
  });

  it('refuses base64 (not base64url) characters and oversized tokens', async () => {
    expect((await rejection(tokens.verify(`${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}+`))).status).toBe(401);
    expect((await rejection(tokens.verify(`${h}.${'A'.repeat(5000)}.${s}`))).status).toBe(401);
  });
});

describe('key rotation', async () => {
  const oldKey = 'the-old-signing-key-0123456789abcdef';
  const newKey = 'the-new-signing-key-0123456789abcdef';
  const before = await createTokens(oldKey, 60);
  const rolling = await createTokens({ signing: oldKey, accepted: [newKey] }, 60); // phase 1
  const after = await createTokens({ signing: newKey, accepted: [oldKey] }, 60); // phase 2
  const retired = await createTokens(newKey, 60); // after the old tokens expired

  it('tokens name their key (kid = sha256 of the key, 16 hex digits), never the key', async () => {
    const header = JSON.parse(Buffer.from((await after.issue(user)).split('.')[0] as string, 'base64url').toString());
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', kid: keyId(newKey) });
    expect(keyId(newKey)).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(header)).not.toContain(newKey);
  });

  it('every task of every phase verifies every token issued by a task of the same or the next phase', async () => {
    const phases = [before, rolling, after, retired];
    for (let i = 0; i < phases.length - 1; i++) {
      const issuer = phases[i + 1] as typeof before;
      const token = await issuer.issue(user);
      // tasks of phase i still run while phase i+1 rolls out: they must accept its tokens...
      expect(await (phases[i] as typeof before).verify(token)).toEqual(user);
      // ...and the new tasks must accept the old tasks' tokens
      expect(await issuer.verify(await (phases[i] as typeof before).issue(user))).toEqual(user);
    }
  });

  it('once retired, the old key verifies nothing; an unknown kid is refused', async () => {
    expect((await rejection(retired.verify(await before.issue(user)))).status).toBe(401);
    const stranger = await createTokens('some-other-key-0123456789abcdefghij', 60);
    expect((await rejection(after.verify(await stranger.issue(user)))).message).toBe('invalid token');
  });

  it('a token without kid (issued before kids) verifies against the keys it may match', async () => {
    const legacy = await sign({ sub: 'u1', email: 'a@b.c', role: 'customer', exp: now() + 60 }, oldKey, 'HS256');
    expect(await after.verify(legacy)).toEqual(user);
    expect((await rejection(retired.verify(legacy))).status).toBe(401);
  });
});
