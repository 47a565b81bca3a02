import { type Route, route } from '@platform/shared/api';
import type { BaseConfig } from '@platform/shared/config';
import { conflict, notFound } from '@platform/shared/errors';
import { multilineText, queryInt, text } from '@platform/shared/schemas';
import type { ServiceContext } from '@platform/shared/service';
import * as z from 'zod';
import { changeProduct } from './change-product.ts';
import { createProduct } from './create-product.ts';
import { type CatalogProduct, type Product, READ_STALENESS_MS } from './domain.ts';
import type { ProductStores } from './ports.ts';

const cents = z.number().int().min(0).max(1_000_000_000);
const quantity = z.number().int().min(0).max(1_000_000_000);
/** A slug: the same string in the product and in ?category=, no case or spacing to normalise. */
const category = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,49}$/,
    'must be 1-50 lower-case letters, digits or dashes, e.g. "fruit" or "home-office"',
  );

const createProductBody = z.strictObject({
  name: text(200),
  description: multilineText(2000).optional(),
  category,
  unit: text(20),
  priceCents: cents,
  stock: quantity,
  supplier: text(200, 0).nullable().optional(),
});

const patchProductBody = createProductBody
  .partial()
  .refine((p) => Object.keys(p).length > 0, { message: 'at least one field to change' })
  .meta({ minProperties: 1 });

const listQuery = z.strictObject({
  category: category.optional(),
  limit: queryInt(1, 100, 20),
  /** The id of the last product of the previous page (nextCursor): the page starts after it. */
  cursor: z.uuid({ message: 'must be the nextCursor of a previous page' }).optional(),
});

const lookupBody = z.strictObject({ ids: z.array(z.uuid()).min(1).max(100) });
const idParams = z.strictObject({ id: z.uuid({ message: 'must be a UUID' }) });

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

export function productRoutes({ stores }: ServiceContext<BaseConfig, ProductStores>): Route[] {
  const withStock = async (products: CatalogProduct[]): Promise<Product[]> => {
    const stock = await stores.stock.currentMany(products.map((p) => p.id));
    return products.map((p) => ({ ...p, stock: stock.get(p.id) ?? 0 }));
  };

  return [
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
        const page = await stores.catalog.list({
          category: query.category,
          after: query.cursor,
          limit: query.limit + 1,
        });
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
        const found = new Map((await stores.catalog.getMany(ids)).map((p) => [p.id, p]));
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
      // a product page read within the read model's bound is answered before the framework
      fromMemory: ({ id }) => {
        const product = stores.catalog.peek(id, READ_STALENESS_MS);
        const stock = product && stores.stock.currentInMemory(product.id);
        return stock === undefined ? undefined : { ...product, stock };
      },
      handler: async (c, { params }) => {
        const product = await stores.catalog.get(params.id, READ_STALENESS_MS);
        if (!product) throw notFound('product');
        return c.json({ ...product, stock: await stores.stock.current(product.id) });
      },
    }),
    route({
      method: 'post',
      path: '/',
      summary: 'Create a product (admin)',
      auth: 'admin',
      body: createProductBody,
      responses: { 201: { description: 'Created, version 1', schema: productSchema } },
      handler: async (c, { body }) => c.json(await createProduct(stores, body), 201),
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
        const changed = await changeProduct(stores, params.id, body);
        if (changed === 'not_found') throw notFound('product');
        if (changed === 'conflict') throw conflict('the product is being changed concurrently; try again');
        return c.json(changed);
      },
    }),
  ];
}
