/**
 * npm start's landing page, Swagger UI pages and combined OpenAPI document, over the real three
 * services (embedded store and bus, in this process) behind the real gateway.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { MemoryBus } from '@platform/shared/bus-memory';
import { parseConfig } from '@platform/shared/config';
import type { Fetch } from '@platform/shared/http';
import { silentLogger } from '@platform/shared/log';
import { createGateway } from '@platform/shared/platform';
import { type RunningService, startService } from '@platform/shared/runtime';
import { configSchemaOf } from '@platform/shared/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiDocs } from '../lib/api-docs.ts';
import { danglingRefs } from '../lib/openapi-merge.ts';
import { loadManifests } from '../lib/services.ts';

const root = join(import.meta.dirname, '..', '..');
let services: RunningService[] = [];
let gateway: Fetch;
const get = async (path: string, init?: RequestInit) => gateway(new Request(`http://127.0.0.1:8080${path}`, init));
// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents and error bodies, read as JSON
const json = async (path: string): Promise<any> => (await get(path)).json();

beforeAll(async () => {
  const bus = new MemoryBus();
  const manifests = await loadManifests();
  services = await Promise.all(
    manifests.map((m) =>
      startService(m, parseConfig(configSchemaOf(m), { JWT_SECRET: 'x'.repeat(32) }), { bus, logger: silentLogger }),
    ),
  );
  const documented = services.map((s) => ({
    name: s.name,
    fetch: s.fetch,
    description: s.name === 'shopping' ? 'Carts <script>alert(1)</script> & "orders"' : `The ${s.name} service.`,
  }));
  gateway = createGateway(
    Object.fromEntries(services.map((s) => [s.name, s.fetch])),
    apiDocs(documented, { store: 'embedded', broker: 'embedded', admins: ['admin@example.com'] }),
  );
});
afterAll(async () => {
  for (const s of services) await s.stop();
});

describe('the combined OpenAPI document', () => {
  it('holds every path and operation of every service, tagged with it, with every reference resolved', async () => {
    const combined = await json('/openapi.json');
    expect(combined.openapi).toBe('3.1.0');
    expect(combined.tags.map((t: { name: string }) => t.name)).toEqual(services.map((s) => s.name));
    const operationIds = new Set<string>();
    let operations = 0;
    for (const s of services) {
      const own = await json(`/${s.name}/openapi.json`);
      for (const [path, item] of Object.entries<Record<string, { operationId: string }>>(own.paths)) {
        expect(Object.keys(combined.paths[path] ?? {}), path).toEqual(Object.keys(item));
        for (const method of Object.keys(item)) {
          const operation = combined.paths[path][method];
          expect(operation.tags).toEqual([s.name]);
          operationIds.add(operation.operationId);
          operations++;
        }
      }
    }
    expect(operations).toBeGreaterThan(15);
    expect(operationIds.size).toBe(operations);
    let paths = 0;
    for (const s of services) paths += Object.keys((await json(`/${s.name}/openapi.json`)).paths).length;
    expect(Object.keys(combined.paths)).toHaveLength(paths); // nothing added
    expect(danglingRefs(combined)).toEqual([]);
    expect(Object.keys(combined.components.securitySchemes)).toEqual(['bearerAuth']); // alike in all: kept once
  });
});

describe('the landing page', () => {
  it('links each service’s API reference, document, health and readiness, and says each is ready', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await response.text();
    for (const s of services) {
      for (const href of [`/docs/${s.name}`, `/${s.name}/openapi.json`, `/${s.name}/health`, `/${s.name}/ready`]) {
        expect(page).toContain(`href="${href}"`);
        if (!href.startsWith('/docs')) expect((await get(href)).status).toBe(200);
      }
    }
    expect(page.match(/class="ok">ready</g)).toHaveLength(services.length);
    expect(page).toContain('href="/docs"');
    expect(page).toContain('<code>admin@example.com</code>');
  });

  it('escapes what it shows', async () => {
    const page = await (await get('/')).text();
    expect(page).not.toContain('<script>');
    expect(page).toContain('Carts &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;orders&quot;');
  });

  it('answers GET and HEAD only', async () => {
    const post = await get('/', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await get('/', { method: 'HEAD' })).status).toBe(200);
  });
});

describe('the API reference pages (Swagger UI)', () => {
  it('show the document their path names, never one from the query, under a strict CSP', async () => {
    for (const [path, spec] of [
      ['/docs', '/openapi.json'],
      ['/docs/', '/openapi.json'],
      ['/docs/products', '/products/openapi.json'],
      [
        '/docs/products?url=https://evil.example/x.json&configUrl=https://evil.example/c.json',
        '/products/openapi.json',
      ],
    ] as const) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      const page = await response.text();
      expect(page).toContain(`data-spec="${spec}"`);
      expect(page).not.toContain('evil');
      expect(page).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline script
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self';");
      expect(csp).not.toMatch(/unsafe-|https?:|\*/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      for (const src of page.match(/(src|href)="[^"]+"/g) ?? []) expect(src).toMatch(/^(src|href)="\//); // nothing from elsewhere
    }
  });

  it('are served from the pinned package, here: no CDN', async () => {
    const dist = JSON.parse(
      readFileSync(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'), 'utf8'),
    ) as { version: string; license: string };
    const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies['swagger-ui-dist'];
    expect(pinned).toBe(dist.version); // an exact version, the one installed
    expect(dist.license).toBe('Apache-2.0');
    const bundle = await get('/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await bundle.text()).length).toBeGreaterThan(500_000);
    expect((await get('/docs/assets/swagger-ui.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const init = await (await get('/docs/assets/init.js')).text();
    expect(init).toContain('queryConfigEnabled: false');
    expect(init).toContain('validatorUrl: null'); // the default sends every document to validator.swagger.io
    expect(init).toContain("root.getAttribute('data-spec')");
  });

  it('serve nothing else: other files of the package, unknown services and paths are 404', async () => {
    for (const path of [
      '/docs/assets/package.json',
      '/docs/assets/../../package.json',
      '/docs/assets/swagger-initializer.js',
      '/docs/nope',
      '/nope',
    ]) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
  });
});
