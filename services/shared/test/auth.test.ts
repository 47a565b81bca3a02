import { sign } from 'hono/jwt';
import { describe, expect, it } from 'vitest';
import { authenticate, createTokens } from '../src/auth.ts';
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
});
