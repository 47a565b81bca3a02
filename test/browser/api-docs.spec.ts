/**
 * npm start's API reference in a real browser: Swagger UI, served by the gateway from the pinned
 * swagger-ui-dist, renders every operation and calls the API ("Try it out") under the pages'
 * Content-Security-Policy, asks nothing of any other host, and takes no document from the URL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../eventually.ts';
import { freePort } from '../servers.ts';
import { Browser } from './cdp.ts';

let platform: ChildProcess;
let base: string;
let browser: Browser;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  platform = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'scripts', 'start.ts')], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  await eventually(
    async () => (await fetch(`${base}/shopping/ready`).catch(() => undefined))?.status === 200,
    30_000,
    'platform ready',
  );
  browser = await Browser.launch();
});
afterAll(async () => {
  await browser?.close();
  if (platform && platform.exitCode === null) {
    const exited = new Promise((r) => platform.once('exit', r));
    platform.kill('SIGTERM');
    await exited;
  }
});

/** Log lines but the browser's note of an API answer with an error status (the UI shows those). */
const problems = () =>
  browser.events.logs.filter((l) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(l));
const elsewhere = () => browser.events.requests.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith('data:'));
const operations = '.opblock';

describe('Swagger UI in a browser', () => {
  it('one service: every operation shown, one of them tried: the API answers in the page', async () => {
    await browser.open(`${base}/docs/products`, `document.querySelectorAll('${operations}').length >= 5`);
    const paths = await browser.evaluate<string[]>(
      `[...document.querySelectorAll('.opblock-summary-path')].map((e) => e.getAttribute('data-path'))`,
    );
    expect(paths).toContain('/products/{id}');
    expect(paths.every((p) => p.startsWith('/products'))).toBe(true);
    await browser.evaluate(`(() => {
      const block = [...document.querySelectorAll('${operations}')]
        .find((b) => b.classList.contains('opblock-get') && b.querySelector('.opblock-summary-path').getAttribute('data-path') === '/products');
      block.querySelector('.opblock-summary-control').click();
    })()`);
    await browser.waitFor(`document.querySelector('.opblock.is-open .execute')`);
    // As a user sees it: the parameters' fields are there before Execute is pressed (pressed the
    // moment the button appears, Swagger UI logs an empty console.error and sends nothing: its
    // parameter values are not in its state yet). GET /products has three, all optional.
    await browser.waitFor(`document.querySelectorAll('.opblock.is-open .parameters input').length >= 3`);
    await browser.evaluate(`document.querySelector('.opblock.is-open .execute').click()`);
    const status = `document.querySelector('.live-responses-table tbody .response-col_status')`;
    await browser.waitFor(status);
    const answer = await browser.evaluate<string>(`${status}.textContent.trim()`);
    expect(answer).toBe('200');
    expect(problems()).toEqual([]); // no CSP violation, no script error
    expect(elsewhere()).toEqual([]);
  });

  it('all services: the combined document, whatever the URL asks for', async () => {
    await browser.open(
      `${base}/docs?url=https://evil.example/x.json&configUrl=https://evil.example/c.json#/`,
      `document.querySelectorAll('${operations}').length > 15`,
    );
    const title = await browser.evaluate<string>(`document.querySelector('.info .title').textContent`);
    expect(title).toMatch(/^All services/);
    const tags = await browser.evaluate<string[]>(
      `[...document.querySelectorAll('.opblock-tag')].map((e) => e.getAttribute('data-tag'))`,
    );
    expect(tags).toEqual(['customer', 'products', 'shopping']);
    expect(problems()).toEqual([]);
    expect(elsewhere()).toEqual([]);
  });

  it('the landing page: links to every reference, nothing from elsewhere', async () => {
    await browser.open(`${base}/`, `document.querySelector('table')`);
    const links = await browser.evaluate<string[]>(
      `[...document.querySelectorAll('a')].map((a) => a.getAttribute('href'))`,
    );
    for (const name of ['customer', 'products', 'shopping']) expect(links).toContain(`/docs/${name}`);
    expect(problems()).toEqual([]);
    expect(elsewhere()).toEqual([]);
  });
});
