import { createEvent, type Envelope } from '@platform/shared/events';
import { multilineText, queryInt, text } from '@platform/shared/schemas';
import * as z from 'zod';

/** A product's catalog data; versioned, announced as `product.changed` on every change. */
export interface CatalogProduct {
  id: string;
  name: string;
  description: string;
  category: string;
  unit: string;
  priceCents: number;
  supplier: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** What the API returns: the catalog data with the current stock from the ledger. */
export type Product = CatalogProduct & { stock: number };

const cents = z.number().int().min(0).max(1_000_000_000);
const quantity = z.number().int().min(0).max(1_000_000_000);
/** A slug: the same string in the product and in ?category=, no case or spacing to normalise. */
export const category = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,49}$/,
    'must be 1-50 lower-case letters, digits or dashes, e.g. "fruit" or "home-office"',
  );

export const createProductBody = z.strictObject({
  name: text(200),
  description: multilineText(2000).optional(),
  category,
  unit: text(20),
  priceCents: cents,
  stock: quantity,
  supplier: text(200, 0).nullable().optional(),
});
export type CreateProduct = z.infer<typeof createProductBody>;

export const patchProductBody = createProductBody
  .partial()
  .refine((p) => Object.keys(p).length > 0, { message: 'at least one field to change' })
  .meta({ minProperties: 1 });
export type PatchProduct = z.infer<typeof patchProductBody>;

export const listQuery = z.strictObject({
  category: category.optional(),
  limit: queryInt(1, 100, 20),
  /** The id of the last product of the previous page (nextCursor): the page starts after it. */
  cursor: z.uuid({ message: 'must be the nextCursor of a previous page' }).optional(),
});

export const lookupBody = z.strictObject({ ids: z.array(z.uuid()).min(1).max(100) });
export const idParams = z.strictObject({ id: z.uuid({ message: 'must be a UUID' }) });

export function newCatalogProduct(id: string, input: CreateProduct, now: string): CatalogProduct {
  return {
    id,
    name: input.name,
    description: input.description ?? '',
    category: input.category,
    unit: input.unit,
    priceCents: input.priceCents,
    supplier: input.supplier ?? null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

/** The next version of a product with `patch` applied (stock is not catalog data: see the ledger). */
export function patchedCatalogProduct(current: CatalogProduct, patch: PatchProduct, now: string): CatalogProduct {
  const { stock: _, ...fields } = patch;
  const next = { ...current, version: current.version + 1, updatedAt: now };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) Object.assign(next, { [key]: value });
  }
  return next;
}

export function productChanged(p: CatalogProduct): Envelope<'product.changed'> {
  return createEvent(
    'product.changed',
    {
      productId: p.id,
      name: p.name,
      description: p.description,
      category: p.category,
      unit: p.unit,
      priceCents: p.priceCents,
      supplier: p.supplier,
      version: p.version,
      updatedAt: p.updatedAt,
    },
    'products',
  );
}
