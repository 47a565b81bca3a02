import type { DomainEvent } from '@platform/shared/events';
import { byCodeUnits } from '@platform/shared/ids';
import type { MemoryEventTable } from '@platform/shared/outbox-memory';
import type { StoreKit } from '@platform/shared/service';
import { type CartLine, type CatalogEntry, MAX_CART_LINES, type Order, type Outcome } from './domain.ts';
import type { Carts, CatalogProjection, Orders } from './ports.ts';

/** The embedded stores, with the same unique-key semantics as the MongoDB adapters. */
export class MemoryCatalogProjection implements CatalogProjection {
  readonly #latest = new Map<string, CatalogEntry>();

  async init() {}

  async record(entry: CatalogEntry) {
    const current = this.#latest.get(entry.productId);
    if (current && current.version >= entry.version) return 'stale' as const;
    this.#latest.set(entry.productId, structuredClone(entry));
    return 'applied' as const;
  }

  async latest(productId: string) {
    const entry = this.#latest.get(productId);
    return entry ? structuredClone(entry) : null;
  }

  async latestMany(productIds: string[]) {
    return new Map(
      productIds.flatMap((id) => {
        const entry = this.#latest.get(id);
        return entry ? [[id, structuredClone(entry)] as const] : [];
      }),
    );
  }
}

export class MemoryCarts implements Carts {
  readonly #lines = new Map<string, Map<string, CartLine>>();

  async init() {}

  #cart(customerId: string) {
    let cart = this.#lines.get(customerId);
    if (!cart) {
      cart = new Map();
      this.#lines.set(customerId, cart);
    }
    return cart;
  }

  async set(customerId: string, productId: string, qty: number) {
    const cart = this.#cart(customerId);
    if (cart.size >= MAX_CART_LINES && !cart.has(productId)) return 'full' as const;
    cart.delete(productId); // a changed line moves to the end, as in the MongoDB store
    cart.set(productId, { productId, qty, updatedAt: new Date().toISOString() });
    return this.lines(customerId);
  }

  async remove(customerId: string, productId: string) {
    this.#cart(customerId).delete(productId);
    return this.lines(customerId);
  }

  async lines(customerId: string) {
    return [...this.#cart(customerId).values()].map((l) => ({ ...l }));
  }

  async removeOrdered(customerId: string, lines: CartLine[]) {
    const cart = this.#cart(customerId);
    for (const line of lines) {
      if (cart.get(line.productId)?.updatedAt === line.updatedAt) cart.delete(line.productId);
    }
  }

  async restore(customerId: string, lines: Array<{ productId: string; qty: number }>) {
    const cart = this.#cart(customerId);
    const updatedAt = new Date().toISOString();
    for (const { productId, qty } of lines) {
      if (cart.size >= MAX_CART_LINES) break;
      if (!cart.has(productId)) cart.set(productId, { productId, qty, updatedAt });
    }
  }
}

export class MemoryOrders implements Orders {
  readonly #orders: MemoryEventTable<Order>;
  readonly #outcomes: MemoryEventTable<Outcome>;

  constructor(kit: StoreKit) {
    this.#orders = kit.outbox.memory('orders');
    this.#outcomes = kit.outbox.memory('order_outcomes');
  }

  async init() {}

  async place(order: Order, events: DomainEvent[]) {
    return this.#orders.insertWithEvents(order.orderId, order, events) === 'inserted'
      ? ('placed' as const)
      : ('exists' as const);
  }

  async get(orderId: string) {
    return this.#orders.get(orderId) ?? null;
  }

  async listForCustomer(customerId: string, limit: number) {
    return [...this.#orders.values()]
      .filter((o) => o.customerId === customerId)
      .sort((a, b) => byCodeUnits(b.placedAt, a.placedAt) || byCodeUnits(b.orderId, a.orderId))
      .slice(0, limit)
      .map((o) => structuredClone(o));
  }

  async decide(outcome: Outcome, events: DomainEvent[]) {
    return this.#outcomes.insertWithEvents(outcome.orderId, outcome, events) === 'inserted'
      ? ('decided' as const)
      : ('exists' as const);
  }

  async outcome(orderId: string) {
    return this.#outcomes.get(orderId) ?? null;
  }

  async outcomes(orderIds: string[]) {
    return new Map(
      orderIds.flatMap((id) => {
        const outcome = this.#outcomes.get(id);
        return outcome ? [[id, outcome] as const] : [];
      }),
    );
  }
}
