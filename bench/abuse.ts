/**
 * `npm run abuse`: the attacks of issue 14 against the running platform (`npm start`), first on
 * the embedded backends, then on real servers (test/servers.ts finds them), each bounded in time
 * and count, over loopback only. While each attack runs, a legitimate client goes about its
 * business; the table shows what it saw (status, latency) and whether the platform held.
 * Exits non-zero when any row fails. Writes bench/results-abuse.json.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTokens } from '../services/shared/src/auth.ts';
import { uuidv7 } from '../services/shared/src/ids.ts';
import { rawConnection, rawGet } from '../test/raw-http.ts';
import { provisionBackends } from '../test/servers.ts';
import { ADMIN_EMAIL, type Platform, startPlatform } from './platform.ts';

const BODY_TIMEOUT_MS = 2000;
const MAX_CONNECTIONS = 600;
const PASSWORD = 'legit-Pa55phrase';

interface Row {
  target: string;
  attack: string;
  attacker: string;
  legitimate: string;
  pass: boolean;
}

interface Client {
  token: string;
  email: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(
  platform: Platform,
  method: string,
  path: string,
  o: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const started = performance.now();
  const res = await fetch(`${platform.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(o.token && { authorization: `Bearer ${o.token}` }),
      ...o.headers,
    },
    ...(o.body !== undefined && { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) }),
  });
  const text = await res.text();
  return { status: res.status, ms: performance.now() - started, text, headers: res.headers };
}

async function signup(platform: Platform, email = `${uuidv7()}@example.com`): Promise<Client> {
  const res = await call(platform, 'POST', '/customer/signup', { body: { email, password: PASSWORD } });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`);
  return { email, token: JSON.parse(res.text).token };
}

/** The legitimate client's routine: read a product, put it in the cart. Statuses and latencies. */
async function legitimateWhile(platform: Platform, client: Client, productId: string, until: () => boolean) {
  const seen: Array<{ status: number; ms: number }> = [];
  while (!until()) {
    for (const [method, path, body] of [
      ['GET', `/products/${productId}`, undefined],
      ['PUT', `/shopping/cart/items/${productId}`, { qty: 1 + (seen.length % 5) }],
    ] as const) {
      const r = await call(platform, method, path, { token: client.token, body });
      seen.push({ status: r.status, ms: r.ms });
    }
    await sleep(100);
  }
  return seen;
}

const p99 = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
};
const describeSeen = (seen: Array<{ status: number; ms: number }>) => {
  const counts = new Map<number, number>();
  for (const s of seen) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  const statuses = [...counts].map(([s, n]) => `${n}x${s}`).join(' ');
  return `${statuses}, p99 ${Math.round(p99(seen.map((s) => s.ms)))} ms`;
};
const allOk = (seen: Array<{ status: number; ms: number }>, p99Ms: number) =>
  seen.length > 0 && seen.every((s) => s.status < 300) && p99(seen.map((s) => s.ms)) < p99Ms;

async function runAttacks(target: string, env: Record<string, string>): Promise<Row[]> {
  const rows: Row[] = [];
  const ops = 'ops@example.com';
  const platform = await startPlatform(
    {
      ...env,
      LOG_LEVEL: 'info',
      BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
      MAX_CONNECTIONS: String(MAX_CONNECTIONS),
      ADMIN_EMAILS: `${ADMIN_EMAIL},${ops}`,
    },
    { capture: true },
  );
  const row = (attack: string, attacker: string, legitimate: string, pass: boolean) => {
    rows.push({ target, attack, attacker, legitimate, pass });
    process.stdout.write(`${pass ? 'PASS' : 'FAIL'}  ${target} / ${attack}: ${attacker} | ${legitimate}\n`);
  };
  try {
    const created = await call(platform, 'POST', '/products', {
      token: platform.adminToken,
      body: { name: 'Tea', category: 'drinks', unit: 'box', priceCents: 450, stock: 1_000_000 },
    });
    const productId = JSON.parse(created.text).id as string;
    await sleep(300); // product.changed reaches shopping's catalog
    const legit = await signup(platform);

    // 1. Slow bodies: more sockets than MAX_IN_FLIGHT, each sending a body byte by byte.
    {
      const started = Date.now();
      const slow = await Promise.all(Array.from({ length: 300 }, () => rawConnection(platform.port)));
      for (const conn of slow.slice(0, 200)) {
        conn.send(
          `POST /customer/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
        );
      }
      for (const conn of slow.slice(200)) {
        conn.send(`POST /shopping/orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n`);
      }
      const seen = await legitimateWhile(platform, legit, productId, () => Date.now() - started > BODY_TIMEOUT_MS);
      const answers = await Promise.all(slow.map((c) => c.answer().catch(() => ({ status: 0 }))));
      for (const c of slow) c.close();
      const timedOut = answers.slice(0, 200).filter((a) => a.status === 408).length;
      const refused = answers.slice(200).filter((a) => a.status === 401).length;
      row(
        'slow bodies (300 sockets)',
        `${timedOut}/200 login bodies cut with 408 after ${BODY_TIMEOUT_MS} ms, ${refused}/100 order bodies refused 401 unread`,
        describeSeen(seen),
        allOk(seen, 1000) && timedOut === 200 && refused === 100,
      );
    }

    // 2. Login flood: 40 concurrent loops of logins with made-up emails.
    {
      let flooding = true;
      let sent = 0;
      const statuses = new Map<number, number>();
      const flood = Array.from({ length: 40 }, async () => {
        while (flooding) {
          const r = await call(platform, 'POST', '/customer/login', {
            body: { email: `${uuidv7()}@example.com`, password: 'whatever-1234' },
          });
          sent++;
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        }
      });
      await sleep(500);
      const logins: Array<{ status: number; ms: number }> = [];
      for (let i = 0; i < 3; i++) {
        const r = await call(platform, 'POST', '/customer/login', { body: { email: legit.email, password: PASSWORD } });
        logins.push({ status: r.status, ms: r.ms });
        await sleep(700);
      }
      flooding = false;
      await Promise.all(flood);
      row(
        'login flood (40 concurrent, made-up emails)',
        `${sent} logins: ${[...statuses].map(([s, n]) => `${n}x${s}`).join(' ')}`,
        `own logins ${describeSeen(logins)}`,
        allOk(logins, 2000),
      );
    }

    // 3. Password guessing: 200 wrong passwords for one account.
    {
      const victim = await signup(platform);
      const started = performance.now();
      const statuses = new Map<number, number>();
      let retryAfter = 0;
      for (let batch = 0; batch < 10; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            call(platform, 'POST', '/customer/login', {
              body: { email: victim.email, password: `guess-${batch}-${i}` },
            }),
          ),
        );
        for (const a of answers) {
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
          if (a.status === 429) retryAfter = Math.max(retryAfter, Number(a.headers.get('retry-after')));
        }
      }
      const elapsed = performance.now() - started;
      const other = await call(platform, 'POST', '/customer/login', {
        body: { email: legit.email, password: PASSWORD },
      });
      const evaluated = statuses.get(401) ?? 0;
      row(
        'password guessing (200 wrong passwords, one account)',
        `${[...statuses].map(([s, n]) => `${n}x${s}`).join(' ')} in ${Math.round(elapsed)} ms, Retry-After up to ${retryAfter} s`,
        `another account's login ${other.status} in ${Math.round(other.ms)} ms`,
        evaluated <= 6 && (statuses.get(429) ?? 0) >= 190 && other.status === 200 && retryAfter >= 1,
      );
    }

    // 4. A 413 on a kept-alive connection: the answer closes it; the next request goes through.
    {
      const conn = await rawConnection(platform.port);
      conn.send(
        `POST /products/lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"ids":[`,
      );
      const answer = await conn.answer();
      const closed = await conn.isClosed(2000);
      conn.close();
      const next = await call(platform, 'GET', `/products/${productId}`);
      row(
        'socket reuse after 413',
        `413: ${answer.status}, Connection: ${answer.headers.connection}, closed by the server: ${closed}`,
        `next request ${next.status}`,
        answer.status === 413 && answer.headers.connection === 'close' && closed && next.status === 200,
      );
    }

    // 5. The same Idempotency-Key for another cart.
    {
      const shopper = await signup(platform);
      const key = { 'idempotency-key': `abuse-${uuidv7()}` };
      await call(platform, 'PUT', `/shopping/cart/items/${productId}`, { token: shopper.token, body: { qty: 1 } });
      const first = await call(platform, 'POST', '/shopping/orders', { token: shopper.token, headers: key });
      await call(platform, 'PUT', `/shopping/cart/items/${productId}`, { token: shopper.token, body: { qty: 3 } });
      const reused = await call(platform, 'POST', '/shopping/orders', { token: shopper.token, headers: key });
      const cart = JSON.parse((await call(platform, 'GET', '/shopping/cart', { token: shopper.token })).text);
      row(
        'Idempotency-Key reused for another cart',
        `first ${first.status}, reused ${reused.status} ${reused.status === 422 ? JSON.parse(reused.text).error.code : ''}`,
        `cart kept: ${cart.items.length} line(s)`,
        first.status === 202 && reused.status === 422 && cart.items.length === 1,
      );
    }

    // 6. Tampered tokens.
    {
      const [h, p, s] = legit.token.split('.') as [string, string, string];
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const flipped = `${h}.${p}.${s.slice(0, -1)}${alphabet[alphabet.indexOf(s.at(-1) as string) ^ 1]}`;
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
      const forged = await (await createTokens('not-the-platform-key-0123456789abcdef', 60)).issue({
        id: 'x',
        email: ADMIN_EMAIL,
        role: 'admin',
      });
      const answers = await Promise.all(
        [`${legit.token}=`, flipped, none, forged].map(
          async (t) => (await call(platform, 'GET', '/shopping/cart', { token: t })).status,
        ),
      );
      const lower = await call(platform, 'GET', '/shopping/cart', {
        headers: { authorization: `bearer ${legit.token}` },
      });
      row(
        'token tampering (appended =, flipped low bit, alg none, other key)',
        answers.join(' '),
        `lower-case "bearer": ${lower.status}`,
        answers.every((s) => s === 401) && lower.status === 200,
      );
    }

    // 7. A body of 6000 unknown keys: the answer stays small.
    {
      const body = JSON.stringify(Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`k${i}`, 1])));
      const r = await call(platform, 'POST', '/customer/signup', { body });
      row(
        'error amplification (6000 unknown keys)',
        `${body.length} bytes in, ${r.status}, ${r.text.length} bytes out`,
        '-',
        r.status === 400 && r.text.length < body.length / 10,
      );
    }

    // 8. Uploads aborted halfway, while the legitimate client works.
    {
      const before = platform.output().length;
      const started = Date.now();
      const aborts = (async () => {
        for (let i = 0; i < 50; i++) {
          const conn = await rawConnection(platform.port);
          conn.send(
            `POST /customer/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{"email":`,
          );
          await sleep(20);
          conn.close();
        }
      })();
      const seen = await legitimateWhile(platform, legit, productId, () => Date.now() - started > 1500);
      await aborts;
      await sleep(300);
      const log = platform.output().slice(before);
      const errors = log.split('\n').filter((l) => l.includes('"level":"error"') || l.includes('"status":500'));
      row(
        'aborted uploads (50)',
        `${errors.length} error lines or 500s logged`,
        describeSeen(seen),
        errors.length === 0 && allOk(seen, 1000),
      );
    }

    // 9. More connections than the cap.
    {
      const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => rawConnection(platform.port)));
      const extra = await Promise.all(Array.from({ length: 20 }, () => rawConnection(platform.port)));
      for (const c of extra) c.send(rawGet('/products/health'));
      const answers = await Promise.all(
        extra.map((c) => c.answer().catch(() => ({ status: 0, headers: {} as Record<string, string> }))),
      );
      for (const c of [...held, ...extra]) c.close();
      await sleep(200);
      const after = await call(platform, 'GET', `/products/${productId}`, { token: legit.token });
      const busy = answers.filter((a) => a.status === 503 && a.headers['retry-after'] === '1').length;
      row(
        `connection flood (${MAX_CONNECTIONS} + 20 sockets, cap ${MAX_CONNECTIONS})`,
        `${busy}/20 over the cap answered 503 + Retry-After and closed`,
        `after the flood: ${after.status}`,
        busy === 20 && after.status === 200,
      );
    }

    // 10. An admin taken off ADMIN_EMAILS: the same token is refused once the setting is deployed.
    {
      const admin = await signup(platform, ops);
      const before = await call(platform, 'POST', '/products', {
        token: admin.token,
        body: { name: 'Cake', category: 'food', unit: 'piece', priceCents: 300, stock: 5 },
      });
      await platform.stop();
      const redeployed = await startPlatform({ ...env, ADMIN_EMAILS: ADMIN_EMAIL }, { capture: true });
      try {
        const after = await call(redeployed, 'POST', '/products', {
          token: admin.token,
          body: { name: 'Pie', category: 'food', unit: 'piece', priceCents: 300, stock: 5 },
        });
        row(
          'admin removed from ADMIN_EMAILS',
          `create product before ${before.status}, after redeploy ${after.status} (same token)`,
          '-',
          before.status === 201 && after.status === 403,
        );
      } finally {
        await redeployed.stop();
      }
    }
  } finally {
    await platform.stop();
  }
  return rows;
}

const rows: Row[] = [];
rows.push(...(await runAttacks('embedded', {})));
const { backends, teardown } = await provisionBackends();
try {
  rows.push(...(await runAttacks('real servers', { MONGO_URL: backends.mongoUrl, AMQP_URL: backends.amqpUrl })));
} finally {
  await teardown();
}

const width = (key: keyof Row) => Math.min(70, Math.max(...rows.map((r) => String(r[key]).length), key.length));
const cols: Array<keyof Row> = ['target', 'attack', 'attacker', 'legitimate'];
process.stdout.write('\n');
process.stdout.write(`${cols.map((c) => c.padEnd(width(c))).join('  ')}  result\n`);
for (const r of rows) {
  process.stdout.write(
    `${cols.map((c) => String(r[c]).slice(0, 70).padEnd(width(c))).join('  ')}  ${r.pass ? 'PASS' : 'FAIL'}\n`,
  );
}
writeFileSync(join(import.meta.dirname, 'results-abuse.json'), `${JSON.stringify(rows, null, 2)}\n`);
const failed = rows.filter((r) => !r.pass).length;
process.stdout.write(`\n${rows.length - failed}/${rows.length} held\n`);
process.exit(failed === 0 ? 0 : 1);
