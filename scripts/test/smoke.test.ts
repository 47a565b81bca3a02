/**
 * npm run smoke's report when a step fails: the steps that need what it makes say so, one line
 * each, instead of failing on what is missing (against a running `npm start`, embedded).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, type Platform, startPlatform } from '../../bench/platform.ts';
import { runSmoke } from '../smoke.ts';

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform({}, { discard: true });
});
afterAll(() => platform.stop());

const smoke = async (adminEmail: string) => {
  const lines: string[] = [];
  const ok = await runSmoke({
    baseUrl: platform.url,
    adminEmail,
    adminPassword: 'smoke-admin-password',
    buyers: 2,
    settleMs: 10_000,
    log: (l) => lines.push(l),
  });
  return { ok, out: lines.join('\n') };
};

describe('smoke flow report', () => {
  it('an email that is not an admin: that step fails saying why, the steps that need its products are not run', async () => {
    const { ok, out } = await smoke('not-an-admin@example.com');
    expect(ok).toBe(false);
    expect(out).toMatch(
      /FAIL {2}admin signs in and creates products .* not-an-admin@example\.com is not an admin on the target: add it to ADMIN_EMAILS/,
    );
    expect(out).toMatch(
      /SKIP {2}a customer signs up and fills the cart - needs "admin signs in and creates products", which failed/,
    );
    expect(out).toMatch(
      /SKIP {2}bad input and bad tokens are refused - needs "a customer signs up and fills the cart"/,
    );
    expect(out).toMatch(/ok {4}health and readiness of every service/);
    expect(out).not.toMatch(/Cannot read properties/);
    expect(out).toMatch(/FAIL: 7 step\(s\) failed/);
  });

  it("the platform's admin: every step passes", async () => {
    const { ok, out } = await smoke(ADMIN_EMAIL);
    expect(ok, out).toBe(true);
    expect(out).not.toMatch(/SKIP|FAIL/);
  });
});
