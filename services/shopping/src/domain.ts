import { createHash } from 'node:crypto';
import type { EventData, FinalOrderStatus, OrderLine, OrderStatus } from '@platform/shared/events';

/** shopping's copy of a product, from `product.changed`: what it needs to price a cart. */
export type CatalogEntry = EventData<'product.changed'>;

export interface CartLine {
  productId: string;
  qty: number;
  updatedAt: string;
}

export type PricedLine = OrderLine;

export interface Cart {
  items: PricedLine[];
  totalCents: number;
}

export interface Order {
  orderId: string;
  customerId: string;
  items: PricedLine[];
  totalCents: number;
  placedAt: string;
  idempotencyKey?: string;
}

export interface Outcome {
  orderId: string;
  status: FinalOrderStatus;
  reason?: string;
  at: string;
}

export interface OrderView {
  orderId: string;
  status: OrderStatus;
  totalCents: number;
  items: PricedLine[];
  placedAt: string;
  updatedAt: string;
}

export const MAX_QTY = 1000;
export const MAX_CART_LINES = 100;

/** Prices cart lines with the current catalog; lines whose product is unknown are left out. */
export function priceCart(lines: CartLine[], catalog: Map<string, CatalogEntry>): Cart {
  const items = lines.flatMap((line): PricedLine[] => {
    const product = catalog.get(line.productId);
    return product
      ? [{ productId: line.productId, name: product.name, unitPriceCents: product.priceCents, qty: line.qty }]
      : [];
  });
  return { items, totalCents: items.reduce((sum, i) => sum + i.unitPriceCents * i.qty, 0) };
}

/**
 * The order id for an Idempotency-Key: derived from (customer, key), so that the order's own
 * unique _id makes "same key, same order" hold even for concurrent retries.
 */
export function orderIdForKey(customerId: string, key: string): string {
  const h = createHash('sha256').update(`${customerId}\n${key}`).digest('hex');
  // shaped as an RFC 9562 version 8 (custom) UUID
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((Number.parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Whether an order's items and cart lines name the same products in the same quantities. */
export function sameItems(
  items: Array<{ productId: string; qty: number }>,
  lines: Array<{ productId: string; qty: number }>,
) {
  const want = new Map(items.map((i) => [i.productId, i.qty]));
  return lines.length === want.size && lines.every((l) => want.get(l.productId) === l.qty);
}

export function viewOf(order: Order, outcome: Outcome | null): OrderView {
  return {
    orderId: order.orderId,
    status: outcome?.status ?? 'PENDING',
    totalCents: order.totalCents,
    items: order.items,
    placedAt: order.placedAt,
    updatedAt: outcome?.at ?? order.placedAt,
  };
}
