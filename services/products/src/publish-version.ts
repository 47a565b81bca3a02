import { type CatalogProduct, productChanged } from './domain.ts';
import type { Catalog } from './ports.ts';

/**
 * Claims a product version with its `product.changed` and updates the queryable copy. False when
 * another write took that version first.
 */
export async function publishVersion(catalog: Catalog, product: CatalogProduct): Promise<boolean> {
  if ((await catalog.insertVersion(product, [productChanged(product)])) === 'conflict') return false;
  await catalog.project(product);
  return true;
}
