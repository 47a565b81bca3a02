import { createEvent, type Envelope } from '@platform/shared/events';
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

const text = (max: number) => z.string().trim().min(1).max(max);
const cents = z.number().int().min(0).max(1_000_000_000);
const quantity = z.number().int().min(0).max(1_000_000_000);
export const category = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9 _-]{0,49}$/, 'must be 1-50 letters, digits, spaces, - or _');

export const createProductBody = z.strictObject({
  name: text(200),
  description: z.string().trim().max(2000).optional(),
  category,
  unit: text(20),
  priceCents: cents,
  stock: quantity,
  supplier: z.string().trim().max(200).nullable().optional(),
});
export type CreateProduct = z.infer<typeof createProductBody>;

export const patchProductBody = createProductBody
  .partial()
  .refine((p) => Object.keys(p).length > 0, { message: 'at least one field to change' });
export type PatchProduct = z.infer<typeof patchProductBody>;

export const listQuery = z.strictObject({
  category: category.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
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

/** Opaque cursor: the last id of the previous page. */
export const encodeCursor = (lastId: string) => Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
export function decodeCursor(cursor: string): string | undefined {
  try {
    const parsed = z
      .object({ after: z.uuid() })
      .safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data.after : undefined;
  } catch {
    return undefined;
  }
}
