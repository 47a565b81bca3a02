import { route } from '@platform/shared/api';
import type { Tokens } from '@platform/shared/auth';
import { conflict, notFound } from '@platform/shared/errors';
import { createServiceApp, type HttpOptions, type ReadinessProbe } from '@platform/shared/http';
import { uuidv7 } from '@platform/shared/ids';
import type { Logger } from '@platform/shared/log';
import type { OutboxRelay } from '@platform/shared/outbox';
import * as z from 'zod';
import {
  type CatalogProduct,
  createProductBody,
  idParams,
  listQuery,
  lookupBody,
  newCatalogProduct,
  type Product,
  patchedCatalogProduct,
  patchProductBody,
  productChanged,
} from './domain.ts';
import type { Catalog } from './ports.ts';
import type { StockKeeper } from './stock.ts';

export interface ProductsAppDeps {
  catalog: Catalog;
  stock: StockKeeper;
  relay: OutboxRelay;
  tokens: Tokens;
  logger: Logger;
  http: HttpOptions;
  readiness: ReadinessProbe;
}

const productSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  category: z.string(),
  unit: z.string(),
  priceCents: z.number().int(),
  stock: z.number().int(),
  supplier: z.string().nullable(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** A PATCH that keeps losing the race for the next version gives up with 409 after this many tries. */
const PATCH_ATTEMPTS = 5;

export function createProductsApp(d: ProductsAppDeps) {
  const withStock = async (products: CatalogProduct[]): Promise<Product[]> => {
    const stock = await d.stock.currentMany(products.map((p) => p.id));
    return products.map((p) => ({ ...p, stock: stock.get(p.id) ?? 0 }));
  };

  /** Claims the version, updates the queryable copy, and hands `product.changed` to the relay. */
  const publishVersion = async (product: CatalogProduct) => {
    const events = [productChanged(product)];
    if ((await d.catalog.insertVersion({ product, events })) === 'conflict') return false;
    await d.catalog.project(product);
    void d.relay.flush(d.catalog.outbox, { key: `${product.id}:${product.version}`, events });
    return true;
  };

  const routes = [
    route({
      method: 'get',
      path: '/',
      summary: 'List products, by id, optionally of one category; cursor pagination',
      query: listQuery,
      responses: {
        200: {
          description: 'A page of products',
          schema: z.object({ items: z.array(productSchema), nextCursor: z.string().nullable() }),
        },
      },
      handler: async (c, { query }) => {
        const page = await d.catalog.list({ category: query.category, after: query.cursor, limit: query.limit + 1 });
        const items = page.slice(0, query.limit);
        const last = items.at(-1);
        return c.json({
          items: await withStock(items),
          nextCursor: page.length > query.limit && last ? last.id : null,
        });
      },
    }),
    route({
      method: 'post',
      path: '/lookup',
      summary: 'Products by ids (unknown ids are left out), in the order asked',
      body: lookupBody,
      responses: { 200: { description: 'The products found', schema: z.array(productSchema) } },
      handler: async (c, { body }) => {
        const ids = [...new Set(body.ids)];
        const found = new Map((await d.catalog.getMany(ids)).map((p) => [p.id, p]));
        const ordered = ids.flatMap((id) => {
          const p = found.get(id);
          return p ? [p] : [];
        });
        return c.json(await withStock(ordered));
      },
    }),
    route({
      method: 'get',
      path: '/:id',
      summary: 'One product',
      params: idParams,
      responses: {
        200: { description: 'The product', schema: productSchema },
        404: { description: 'No such product' },
      },
      handler: async (c, { params }) => {
        const product = await d.catalog.get(params.id);
        if (!product) throw notFound('product');
        return c.json({ ...product, stock: await d.stock.current(product.id) });
      },
    }),
    route({
      method: 'post',
      path: '/',
      summary: 'Create a product (admin)',
      auth: 'admin',
      body: createProductBody,
      responses: { 201: { description: 'Created, version 1', schema: productSchema } },
      handler: async (c, { body }) => {
        const product = newCatalogProduct(uuidv7(), body, new Date().toISOString());
        // Stock first: a product is never announced without its ledger.
        await d.stock.initial(product.id, body.stock);
        if (!(await publishVersion(product))) throw new Error(`fresh product id ${product.id} already taken`);
        return c.json({ ...product, stock: body.stock }, 201);
      },
    }),
    route({
      method: 'patch',
      path: '/:id',
      summary: 'Change a product (admin); any change makes a new version',
      auth: 'admin',
      params: idParams,
      body: patchProductBody,
      responses: {
        200: { description: 'The new version', schema: productSchema },
        404: { description: 'No such product' },
        409: { description: 'Kept losing to concurrent changes; try again' },
      },
      handler: async (c, { params, body }) => {
        for (let attempt = 0; attempt < PATCH_ATTEMPTS; attempt++) {
          const current = await d.catalog.get(params.id);
          if (!current) throw notFound('product');
          const next = patchedCatalogProduct(current, body, new Date().toISOString());
          if (!(await publishVersion(next))) continue; // another change took this version: reapply on top
          if (body.stock !== undefined) await d.stock.set(next.id, body.stock, `adjust:${next.id}:${next.version}`);
          return c.json({ ...next, stock: await d.stock.current(next.id) });
        }
        throw conflict('the product is being changed concurrently; try again');
      },
    }),
  ];

  return createServiceApp({
    service: 'products',
    logger: d.logger,
    tokens: d.tokens,
    ...d.http,
    routes,
    readiness: d.readiness,
    info: {
      title: 'products',
      version: '1.0.0',
      description: 'Catalog and stock. Publishes product.changed; reserves stock for order.placed.',
    },
  });
}
