import type { DomainEvent } from '@platform/shared/events';
import { byCodeUnits } from '@platform/shared/ids';
import { appendOutbox, type MemoryOutboxRecord, memoryOutboxStore } from '@platform/shared/outbox-memory';
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

type OrderRecord = MemoryOutboxRecord & { order: Order };
type OutcomeRecord = MemoryOutboxRecord & { outcome: Outcome };

export class MemoryOrders implements Orders {
  readonly #orders = new Map<string, OrderRecord>();
  readonly #outcomes = new Map<string, OutcomeRecord>();
  readonly placedOutbox = memoryOutboxStore('orders', this.#orders);
  readonly outcomeOutbox = memoryOutboxStore('order_outcomes', this.#outcomes);

  async init() {}

  async place(order: Order, events: DomainEvent[]) {
    if (this.#orders.has(order.orderId)) return 'exists' as const;
    const record: OrderRecord = { order: structuredClone(order), outbox: [] };
    appendOutbox(record, events);
    this.#orders.set(order.orderId, record);
    return 'placed' as const;
  }

  async get(orderId: string) {
    const record = this.#orders.get(orderId);
    return record ? structuredClone(record.order) : null;
  }

  async listForCustomer(customerId: string, limit: number) {
    return [...this.#orders.values()]
      .map((r) => r.order)
      .filter((o) => o.customerId === customerId)
      .sort((a, b) => byCodeUnits(b.placedAt, a.placedAt) || byCodeUnits(b.orderId, a.orderId))
      .slice(0, limit)
      .map((o) => structuredClone(o));
  }

  async decide(outcome: Outcome, events: DomainEvent[]) {
    if (this.#outcomes.has(outcome.orderId)) return 'exists' as const;
    const record: OutcomeRecord = { outcome: { ...outcome }, outbox: [] };
    appendOutbox(record, events);
    this.#outcomes.set(outcome.orderId, record);
    return 'decided' as const;
  }

  async outcome(orderId: string) {
    const record = this.#outcomes.get(orderId);
    return record ? { ...record.outcome } : null;
  }

  async outcomes(orderIds: string[]) {
    return new Map(
      orderIds.flatMap((id) => {
        const record = this.#outcomes.get(id);
        return record ? [[id, { ...record.outcome }] as const] : [];
      }),
    );
  }
}
