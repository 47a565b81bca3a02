/**
 * What `npm start`'s gateway serves besides the services: a landing page at `/` (each service,
 * its state, its API reference), Swagger UI for each service at /docs/<service> and for all of
 * them at /docs, and the combined OpenAPI document at /openapi.json (openapi-merge.ts).
 *
 * Swagger UI comes from the swagger-ui-dist package (Apache-2.0, pinned in package.json) and is
 * served from here: no CDN, works offline. The pages are no XSS vector: the document a page shows
 * is fixed by its path (no `?url=`, Swagger UI's query configuration stays off), every value put
 * into HTML is escaped, and a Content-Security-Policy allows scripts from this origin only.
 * Deployed services serve none of this (only their JSON /<service>/openapi.json): docs/LOCAL.md.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mergeOpenApi } from './openapi-merge.ts';
import { type ReadinessTarget, readinessOf } from './readiness.ts';

export interface DocumentedService extends ReadinessTarget {
  description: string;
}

export interface LandingInfo {
  store: string;
  broker: string;
  /** Emails that sign up as admins (embedded mode), to say on the page. */
  admins: readonly string[];
}

/** The pages' rules for the browser: scripts and styles of this origin only, no framing, no plugins. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'", // no inline style either: Swagger UI needs none (test/browser checks)
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** Swagger UI started on the document named by the page (data-spec), never by the URL's query. */
const INIT_SCRIPT = `window.addEventListener('load', function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-spec'),
    dom_id: '#swagger-ui',
    deepLinking: true,
    queryConfigEnabled: false,
    validatorUrl: null,
    persistAuthorization: false,
    tryItOutEnabled: true,
  });
});
`;

const LANDING_CSS = `body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.6rem;margin-bottom:.2rem}.muted{color:#59636e}table{border-collapse:collapse;width:100%;margin:1rem 0}
td,th{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #d1d9e0;vertical-align:top}code{background:#f6f8fa;padding:0 .25rem;border-radius:4px}
.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}a{color:#0969da}
`;

const ASSETS: Record<string, { file?: string; body?: string; type: string }> = {
  'swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'text/javascript; charset=utf-8' },
  'favicon-32x32.png': { file: 'favicon-32x32.png', type: 'image/png' },
  'init.js': { body: INIT_SCRIPT, type: 'text/javascript; charset=utf-8' },
  'landing.css': { body: LANDING_CSS, type: 'text/css; charset=utf-8' },
  'docs.css': { body: '.back{margin:.5rem 1.25rem;font-family:sans-serif}\n', type: 'text/css; charset=utf-8' },
};

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const html = (body: string, status = 200) =>
  new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8', ...PAGE_HEADERS } });

function swaggerPage(title: string, specUrl: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"><link rel="stylesheet" href="/docs/assets/docs.css">
<link rel="icon" href="/docs/assets/favicon-32x32.png"></head>
<body><p class="back"><a href="/">&larr; all services</a></p>
<div id="swagger-ui" data-spec="${escapeHtml(specUrl)}"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/docs/assets/init.js"></script></body></html>`;
}

/** The directory of swagger-ui-dist, where npm put it. */
function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/**
 * The gateway's own routes; undefined for any other path (the gateway answers 404). GET and HEAD
 * only: anything else on these paths is 405.
 */
export function apiDocs(services: readonly DocumentedService[], info: LandingInfo) {
  const byName = new Map(services.map((s) => [s.name, s]));
  const assetCache = new Map<string, Uint8Array | string>();
  let combined: Promise<unknown> | undefined;

  const asset = (name: string): Response | undefined => {
    const spec = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!spec) return undefined;
    let body = assetCache.get(name);
    if (body === undefined) {
      body = spec.body ?? new Uint8Array(readFileSync(join(swaggerUiDir(), spec.file as string)));
      assetCache.set(name, body);
    }
    return new Response(body, {
      headers: { 'content-type': spec.type, 'x-content-type-options': 'nosniff', 'cache-control': 'max-age=300' },
    });
  };

  const combinedDocument = () => {
    combined ??= Promise.all(
      services.map(async (s) => ({
        name: s.name,
        description: s.description,
        document: await (await s.fetch(new Request(`http://gateway/${s.name}/openapi.json`))).json(),
      })),
    ).then((docs) =>
      mergeOpenApi(docs, {
        title: 'All services',
        version: '1.0.0',
        description: `Every service behind the gateway: ${services.map((s) => s.name).join(', ')}.`,
      }),
    );
    return combined;
  };

  const landing = async (): Promise<Response> => {
    const states = new Map((await readinessOf(services)).map((s) => [s.name, s]));
    const rows = services
      .map((s) => {
        const state = states.get(s.name);
        const status = state?.ready
          ? '<span class="ok">ready</span>'
          : `<span class="bad">not ready</span> ${escapeHtml(state?.failing.join(', ') ?? '')}`;
        const n = escapeHtml(s.name);
        return `<tr><td><strong>/${n}</strong><br><span class="muted">${escapeHtml(s.description)}</span></td><td>${status}</td>
<td><a href="/docs/${n}">API reference</a><br><a href="/${n}/openapi.json">openapi.json</a> · <a href="/${n}/health">health</a> · <a href="/${n}/ready">ready</a></td></tr>`;
      })
      .join('\n');
    const admins = info.admins.length
      ? `<p>Sign up as <code>${info.admins.map(escapeHtml).join('</code> or <code>')}</code> to be an admin (ADMIN_EMAILS).</p>`
      : '';
    return html(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Platform: npm start</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/docs/assets/landing.css"></head>
<body><h1>The platform, running locally</h1>
<p class="muted">store: ${escapeHtml(info.store)} · broker: ${escapeHtml(info.broker)} · routes as the load balancer does: <code>/&lt;service&gt;/...</code></p>
<p><a href="/docs">API reference of all services</a> · <a href="/openapi.json">combined OpenAPI document</a></p>
<table><thead><tr><th>Service</th><th>State</th><th>Docs</th></tr></thead><tbody>
${rows}
</tbody></table>${admins}
<p class="muted">Troubleshooting: docs/LOCAL.md in the repository.</p></body></html>`);
  };

  return async (request: Request): Promise<Response | undefined> => {
    const { pathname } = new URL(request.url);
    let answer: () => Response | undefined | Promise<Response | undefined>;
    if (pathname === '/') answer = landing;
    else if (pathname === '/openapi.json') answer = async () => Response.json(await combinedDocument());
    else if (pathname === '/docs' || pathname === '/docs/') {
      answer = () => html(swaggerPage('API reference: all services', '/openapi.json'));
    } else if (pathname.startsWith('/docs/assets/')) answer = () => asset(pathname.slice('/docs/assets/'.length));
    else if (pathname.startsWith('/docs/')) {
      const service = byName.get(pathname.slice('/docs/'.length).replace(/\/$/, ''));
      if (!service) return undefined;
      answer = () => html(swaggerPage(`API reference: ${service.name}`, `/${service.name}/openapi.json`));
    } else return undefined;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return Response.json(
        { error: { code: 'METHOD_NOT_ALLOWED', message: `${request.method} not allowed on ${pathname}` } },
        { status: 405, headers: { allow: 'GET, HEAD' } },
      );
    }
    return answer();
  };
}
