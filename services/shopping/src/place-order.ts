import { createEvent } from '@platform/shared/events';
import { uuidv7 } from '@platform/shared/ids';
import type { Logger } from '@platform/shared/log';
import type { Metrics } from '@platform/shared/metrics';
import {
  type CartLine,
  type CatalogEntry,
  type Order,
  type OrderView,
  orderIdForKey,
  priceCart,
  sameItems,
  viewOf,
} from './domain.ts';
import type { ShoppingStores } from './ports.ts';

/** Prices cart lines with the newest catalog versions (`known`: one just read, not read again). */
export async function pricedCart(stores: ShoppingStores, lines: CartLine[], known?: CatalogEntry) {
  const others = lines.filter((l) => l.productId !== known?.productId).map((l) => l.productId);
  const catalog = await stores.catalog.latestMany(others);
  if (known) catalog.set(known.productId, known);
  return priceCart(lines, catalog);
}

/**
 * Turns the customer's cart into an order (PENDING, priced from the catalog projection) with its
 * `order.placed`, and empties the cart of what was ordered.
 *
 * With an Idempotency-Key the order id derives from (customer, key), so a retry finds the order
 * its first attempt placed: answered again when the cart is empty by now (the order took it) or
 * still holds those very items. A key reused for a cart of other items is `key_reused`, not a
 * silent answer with the old order that leaves the new cart unordered.
 */
export async function placeOrder(
  stores: ShoppingStores,
  customerId: string,
  idempotencyKey: string | undefined,
  { logger, metrics }: { logger: Logger; metrics: Metrics },
): Promise<OrderView | 'empty' | 'key_reused'> {
  const orderId = idempotencyKey ? orderIdForKey(customerId, idempotencyKey) : uuidv7();
  const lines = await stores.carts.lines(customerId);
  const retryOf = async (earlier: Order) =>
    lines.length === 0 || sameItems(earlier.items, lines)
      ? viewOf(earlier, await stores.orders.outcome(earlier.orderId))
      : ('key_reused' as const);
  if (idempotencyKey) {
    const earlier = await stores.orders.get(orderId);
    if (earlier) return retryOf(earlier);
  }
  const cart = await pricedCart(stores, lines);
  if (cart.items.length === 0) return 'empty';
  const order: Order = {
    orderId,
    customerId,
    items: cart.items,
    totalCents: cart.totalCents,
    placedAt: new Date().toISOString(),
    ...(idempotencyKey && { idempotencyKey }),
  };
  const placed = createEvent(
    'order.placed',
    { orderId, customerId, items: order.items, totalCents: order.totalCents, placedAt: order.placedAt },
    'shopping',
  );
  if ((await stores.orders.place(order, [placed])) === 'exists') {
    // the same key, a concurrent request: that one placed it
    return retryOf((await stores.orders.get(orderId)) as Order);
  }
  // The order stands from here on: a cart that cannot be emptied right now is left as it is (the
  // customer sees it full) rather than failing a request whose order exists.
  const ordered = new Set(order.items.map((i) => i.productId));
  await stores.carts
    .removeOrdered(
      customerId,
      lines.filter((l) => ordered.has(l.productId)),
    )
    .catch((err: unknown) => logger.warn('cart not emptied after an order', { orderId, err }));
  metrics.count('OrdersPlaced');
  return viewOf(order, null);
}
