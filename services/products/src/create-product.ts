import { uuidv7 } from '@platform/shared/ids';
import { newCatalogProduct, type Product, type ProductFields } from './domain.ts';
import type { ProductStores } from './ports.ts';
import { publishVersion } from './publish-version.ts';

/** A new product, version 1, with its initial stock; announced as `product.changed`. */
export async function createProduct(stores: ProductStores, input: ProductFields & { stock: number }): Promise<Product> {
  const product = newCatalogProduct(uuidv7(), input, new Date().toISOString());
  // Stock first: a product is never announced without its ledger.
  await stores.stock.initial(product.id, input.stock);
  if (!(await publishVersion(stores.catalog, product))) throw new Error(`fresh product id ${product.id} already taken`);
  return { ...product, stock: input.stock };
}
