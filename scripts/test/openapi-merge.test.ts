import { describe, expect, it } from 'vitest';
import { danglingRefs, mergeOpenApi, sameJson } from '../lib/openapi-merge.ts';

const errorSchema = { type: 'object', properties: { error: { type: 'object' } } };
const bearer = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
const op = (id: string, ref: string, secured = false) => ({
  operationId: id,
  ...(secured && { security: [{ bearerAuth: [] }] }),
  responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: ref } } } } },
});

describe('mergeOpenApi', () => {
  const a = {
    paths: { '/a/items': { get: op('getItems', '#/components/schemas/Item', true) } },
    components: {
      schemas: { Error: errorSchema, Item: { type: 'object', properties: { name: { type: 'string' } } } },
      securitySchemes: { bearerAuth: bearer },
    },
  };
  const b = {
    paths: {
      '/b/items': { get: op('getItems', '#/components/schemas/Item', true) },
      '/b/list': { post: op('list', '#/components/schemas/List') },
    },
    components: {
      schemas: {
        Error: errorSchema,
        Item: { type: 'object', properties: { sku: { type: 'integer' } } },
        // equal to nothing in a, but refers to b's own Item
        List: { type: 'array', items: { $ref: '#/components/schemas/Item' } },
      },
      securitySchemes: { bearerAuth: { type: 'apiKey', in: 'header', name: 'x-key' } },
    },
  };
  const merged = mergeOpenApi(
    [
      { name: 'a', description: 'Service A.', document: a },
      { name: 'b', document: b },
    ],
    { title: 'All', version: '1' },
  );

  it('keeps components that are alike once, renames those that differ in the service that brought them second', () => {
    expect(Object.keys(merged.components.schemas).sort()).toEqual(['Error', 'Item', 'List', 'b_Item']);
    expect(merged.components.schemas.Item).toEqual(a.components.schemas.Item);
    expect(merged.components.schemas.b_Item).toEqual(b.components.schemas.Item);
    expect(merged.components.schemas.List.items.$ref).toBe('#/components/schemas/b_Item');
    expect(merged.paths['/b/items'].get.responses['200'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/b_Item',
    );
    expect(danglingRefs(merged)).toEqual([]);
    expect(danglingRefs({ a: { $ref: '#/components/schemas/Nope' } })).toEqual(['#/components/schemas/Nope']);
  });

  it('renames a differing security scheme in the requirements that name it too', () => {
    expect(merged.components.securitySchemes).toEqual({
      bearerAuth: bearer,
      b_bearerAuth: b.components.securitySchemes.bearerAuth,
    });
    expect(merged.paths['/a/items'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(merged.paths['/b/items'].get.security).toEqual([{ b_bearerAuth: [] }]);
  });

  it('tags operations by service, keeps operation ids unique, and leaves the inputs unchanged', () => {
    expect(merged.tags).toEqual([{ name: 'a', description: 'Service A.' }, { name: 'b' }]);
    expect(merged.paths['/b/list'].post.tags).toEqual(['b']);
    expect(merged.paths['/a/items'].get.operationId).toBe('getItems');
    expect(merged.paths['/b/items'].get.operationId).toBe('b_getItems');
    expect(b.paths['/b/items'].get.operationId).toBe('getItems');
    expect(b.components.schemas.List.items.$ref).toBe('#/components/schemas/Item');
  });

  it('puts paths a service documents without its prefix under it, and refuses one path served twice', () => {
    const bare = mergeOpenApi([{ name: 'c', document: { paths: { '/things': { get: op('t', '#/x') } } } }], {});
    expect(Object.keys(bare.paths)).toEqual(['/c/things']);
    // a service that documents /x and /d/x would serve one path twice
    expect(() => mergeOpenApi([{ name: 'd', document: { paths: { '/x': {}, '/d/x': {} } } }], {})).toThrow(
      /\/d\/x is already served/,
    );
  });

  it('compares JSON by structure', () => {
    expect(sameJson({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameJson([1], { 0: 1 })).toBe(false);
  });
});
