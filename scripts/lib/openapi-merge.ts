/**
 * One OpenAPI document for every service behind the gateway (`npm start`'s /openapi.json): each
 * service's paths under its prefix, its operations tagged with its name, and the components of
 * all, merged: a component that two services define alike is kept once, one that differs is
 * renamed `<service>_<name>` in the service that brought it second, with every reference to it
 * (and, for security schemes, every requirement naming it) following.
 */

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents are open-ended JSON
type Json = any;

export interface ServiceDocument {
  /** The service's name, also its path prefix. */
  name: string;
  description?: string | undefined;
  document: Json;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Structural equality of JSON values (key order ignored). */
export function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
}

/** A copy of `value` with `$ref`s and security requirements renamed as `renames` says. */
function rewrite(value: Json, refs: Map<string, string>, schemes: Map<string, string>, key?: string): Json {
  if (Array.isArray(value)) {
    // security: [{ bearerAuth: [] }] names schemes by key, not by $ref
    if (key === 'security') {
      return value.map((req: Json) =>
        Object.fromEntries(Object.entries(req).map(([name, scopes]) => [schemes.get(name) ?? name, scopes])),
      );
    }
    return value.map((v) => rewrite(v, refs, schemes));
  }
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === '$ref' && typeof v === 'string' ? (refs.get(v) ?? v) : rewrite(v, refs, schemes, k);
  }
  return out;
}

/** The names a service's components get in the merged document (same name unless taken by something else). */
function renamesFor(service: ServiceDocument, merged: Json) {
  const components: Json = service.document.components ?? {};
  const renamed = new Set<string>(); // "section/name"
  // A component equal to one already merged stays shared, unless it refers to one that had to be
  // renamed: then it differs too. Repeat until nothing more changes.
  for (let changed = true; changed; ) {
    changed = false;
    const { refs, schemes } = maps(service.name, renamed);
    for (const [section, entries] of Object.entries<Json>(components)) {
      for (const [name, component] of Object.entries<Json>(entries ?? {})) {
        const id = `${section}/${name}`;
        const existing = merged.components?.[section]?.[name];
        if (renamed.has(id) || existing === undefined) continue;
        if (!sameJson(existing, rewrite(component, refs, schemes))) {
          renamed.add(id);
          changed = true;
        }
      }
    }
  }
  return maps(service.name, renamed);
}

function maps(service: string, renamed: Set<string>) {
  const refs = new Map<string, string>();
  const schemes = new Map<string, string>();
  for (const id of renamed) {
    const [section, name] = id.split('/') as [string, string];
    refs.set(`#/components/${section}/${name}`, `#/components/${section}/${service}_${name}`);
    if (section === 'securitySchemes') schemes.set(name, `${service}_${name}`);
  }
  return { refs, schemes };
}

export function mergeOpenApi(services: readonly ServiceDocument[], info: Json): Json {
  const merged: Json = { openapi: '3.1.0', info, tags: [], paths: {}, components: {} };
  const operationIds = new Set<string>();
  for (const service of services) {
    const { refs, schemes } = renamesFor(service, merged);
    const doc = rewrite(service.document, refs, schemes);
    merged.tags.push({ name: service.name, ...(service.description && { description: service.description }) });
    for (const [section, entries] of Object.entries<Json>(doc.components ?? {})) {
      merged.components[section] ??= {};
      for (const [name, component] of Object.entries<Json>(entries ?? {})) {
        const target = refs.has(`#/components/${section}/${name}`) ? `${service.name}_${name}` : name;
        merged.components[section][target] ??= component;
      }
    }
    const prefix = `/${service.name}`;
    for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
      const full = path === prefix || path.startsWith(`${prefix}/`) ? path : `${prefix}${path === '/' ? '' : path}`;
      if (merged.paths[full]) throw new Error(`${service.name}: ${full} is already served by another service`);
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        operation.tags = [service.name, ...(operation.tags ?? []).filter((t: string) => t !== service.name)];
        if (operation.operationId) {
          if (operationIds.has(operation.operationId))
            operation.operationId = `${service.name}_${operation.operationId}`;
          operationIds.add(operation.operationId);
        }
      }
      merged.paths[full] = item;
    }
  }
  return merged;
}

/** The `$ref`s of a document that point at nothing in it (a merge must leave none). */
export function danglingRefs(doc: Json): string[] {
  const dangling: string[] = [];
  const resolve = (ref: string) =>
    ref
      .slice(2)
      .split('/')
      .reduce<Json>((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  const walk = (value: Json) => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') {
        if (!v.startsWith('#/') || resolve(v) === undefined) dangling.push(v);
      } else walk(v);
    }
  };
  walk(doc);
  return dangling;
}
