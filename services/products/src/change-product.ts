import { type Product, type ProductFields, patchedCatalogProduct } from './domain.ts';
import type { ProductStores } from './ports.ts';
import { publishVersion } from './publish-version.ts';

/** A change that keeps losing the race for the next version gives up after this many tries. */
const ATTEMPTS = 5;

/**
 * Any change makes a new version (announced as `product.changed`); a stock change is one more
 * move in the ledger, keyed by that version so that a retry does not apply it twice. Two admins
 * changing a product at once: the second to claim a version re-reads and applies on top.
 */
export async function changeProduct(
  stores: ProductStores,
  id: string,
  changes: Partial<ProductFields> & { stock?: number | undefined },
): Promise<Product | 'not_found' | 'conflict'> {
  const { stock, ...fields } = changes;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await stores.catalog.get(id);
    if (!current) return 'not_found';
    const next = patchedCatalogProduct(current, fields, new Date().toISOString());
    if (!(await publishVersion(stores.catalog, next))) continue; // another change took this version
    if (stock !== undefined) await stores.stock.set(next.id, stock, `adjust:${next.id}:${next.version}`);
    return { ...next, stock: await stores.stock.current(next.id) };
  }
  return 'conflict';
}
