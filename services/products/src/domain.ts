import { createEvent, type Envelope } from '@platform/shared/events';

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

/**
 * How far behind a change made through another replica a product page may be: product reads are
 * served by a read model that each replica refreshes from the database at most this often per
 * product (its own changes it applies at once). Reservations never use it: they decide on the
 * stock ledger itself.
 */
export const READ_STALENESS_MS = 1_000;

/** What the API returns: the catalog data with the current stock from the ledger. */
export type Product = CatalogProduct & { stock: number };

/** A new product's catalog data, as an admin gives it. */
export interface ProductFields {
  name: string;
  description?: string | undefined;
  category: string;
  unit: string;
  priceCents: number;
  supplier?: string | null | undefined;
}

export function newCatalogProduct(id: string, input: ProductFields, now: string): CatalogProduct {
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

/** The next version of a product with `changes` applied; fields left undefined stay as they are. */
export function patchedCatalogProduct(
  current: CatalogProduct,
  changes: Partial<ProductFields>,
  now: string,
): CatalogProduct {
  const next = { ...current, version: current.version + 1, updatedAt: now };
  for (const [key, value] of Object.entries(changes)) {
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
