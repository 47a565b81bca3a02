import type { AdmissionControl } from '@platform/shared/admission';
import type { DomainEvent } from '@platform/shared/events';
import type { CartLine, CatalogEntry, Order, Outcome } from './domain.ts';

/**
 * Like every store of the platform, these rest on inserts with unique keys rather than on
 * read-modify-write of a document (docs/ARCHITECTURE.md, "Consistency without transactions").
 * Writes that announce something take their events along; the kit publishes them.
 */

/** Product versions from `product.changed`, one fact per (product, version); the newest counts. */
export interface CatalogProjection {
  init(): Promise<void>;
  /** `stale` when this version (or a newer one) is known already. */
  record(entry: CatalogEntry): Promise<'applied' | 'stale'>;
  latest(productId: string): Promise<CatalogEntry | null>;
  latestMany(productIds: string[]): Promise<Map<string, CatalogEntry>>;
}

/**
 * A cart per customer, its lines oldest first. `set` and `remove` answer the cart as it is after
 * the change; `set` refuses a new line (`full`) when the cart has MAX_CART_LINES already.
 */
export interface Carts {
  init(): Promise<void>;
  set(customerId: string, productId: string, qty: number): Promise<CartLine[] | 'full'>;
  remove(customerId: string, productId: string): Promise<CartLine[]>;
  lines(customerId: string): Promise<CartLine[]>;
  /** Removes these lines, unless changed since they were read (then the newer line stays). */
  removeOrdered(customerId: string, lines: CartLine[]): Promise<void>;
  /**
   * Puts back the lines of an order that was not served (REJECTED), those the cart has no line for
   * by now, as long as the cart has room. Idempotent.
   */
  restore(customerId: string, lines: Array<{ productId: string; qty: number }>): Promise<void>;
}

export interface Orders {
  init(): Promise<void>;
  /** Inserts the order with its `order.placed`; `exists` when the id is taken (same Idempotency-Key). */
  place(order: Order, events: DomainEvent[]): Promise<'placed' | 'exists'>;
  get(orderId: string): Promise<Order | null>;
  listForCustomer(customerId: string, limit: number): Promise<Order[]>;
  /** Records the final status once, with its event; a later or repeated outcome is `exists`. */
  decide(outcome: Outcome, events: DomainEvent[]): Promise<'decided' | 'exists'>;
  outcome(orderId: string): Promise<Outcome | null>;
  outcomes(orderIds: string[]): Promise<Map<string, Outcome>>;
}

/** What shopping's routes and handlers work with. */
export interface ShoppingStores {
  catalog: CatalogProjection;
  carts: Carts;
  orders: Orders;
}

/** Collaborators built once at start. */
export interface ShoppingDeps {
  /** Lets orders in while the saga finishes them in time (ORDER_LAG_TARGET_MS). */
  admission: AdmissionControl;
}
