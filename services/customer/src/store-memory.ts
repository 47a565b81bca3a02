import { type Customer, HISTORY_LIMIT, type OrderSummary } from './domain.ts';
import type { CustomerStore, OrderHistory } from './ports.ts';

/** The embedded store: Maps, with the same results as the MongoDB adapter (see the contract tests). */
export class MemoryCustomerStore implements CustomerStore {
  readonly #byId = new Map<string, Customer>();
  readonly #idByEmail = new Map<string, string>();

  async init() {}

  async create(customer: Customer) {
    if (this.#idByEmail.has(customer.email)) return 'email_taken' as const;
    this.#byId.set(customer.id, structuredClone(customer));
    this.#idByEmail.set(customer.email, customer.id);
    return 'created' as const;
  }

  async findByEmail(email: string) {
    const id = this.#idByEmail.get(email);
    return id ? this.findById(id) : null;
  }

  async findById(id: string) {
    const customer = this.#byId.get(id);
    return customer ? structuredClone(customer) : null;
  }

  async setRole(id: string, role: Customer['role']) {
    const customer = this.#byId.get(id);
    if (customer) customer.role = role;
  }

  async addAddress(customerId: string, address: Customer['addresses'][number], max: number) {
    const customer = this.#byId.get(customerId);
    if (!customer) return 'not_found' as const;
    if (customer.addresses.length >= max) return 'limit' as const;
    customer.addresses.push(structuredClone(address));
    return 'added' as const;
  }

  async addToWishlist(customerId: string, productId: string, max: number) {
    const customer = this.#byId.get(customerId);
    if (!customer) return 'not_found' as const;
    if (customer.wishlist.includes(productId)) return 'added' as const;
    if (customer.wishlist.length >= max) return 'limit' as const;
    customer.wishlist.push(productId);
    return 'added' as const;
  }

  async removeFromWishlist(customerId: string, productId: string) {
    const customer = this.#byId.get(customerId);
    if (!customer) return 'not_found' as const;
    customer.wishlist = customer.wishlist.filter((p) => p !== productId);
    return 'removed' as const;
  }
}

export class MemoryOrderHistory implements OrderHistory {
  readonly #orders = new Map<string, OrderSummary>();

  async init() {}

  async recordPlaced(summary: OrderSummary) {
    const existing = this.#orders.get(summary.orderId);
    if (!existing) {
      this.#orders.set(summary.orderId, structuredClone(summary));
      return;
    }
    Object.assign(existing, {
      customerId: summary.customerId,
      items: structuredClone(summary.items),
      totalCents: summary.totalCents,
      placedAt: summary.placedAt,
    });
  }

  async recordOutcome(o: Parameters<OrderHistory['recordOutcome']>[0]) {
    const existing = this.#orders.get(o.orderId);
    if (existing) {
      if (existing.status === 'PENDING') Object.assign(existing, { status: o.status, updatedAt: o.at });
      return;
    }
    this.#orders.set(o.orderId, {
      orderId: o.orderId,
      customerId: o.customerId,
      status: o.status,
      totalCents: o.totalCents ?? 0,
      items: [],
      placedAt: o.at,
      updatedAt: o.at,
    });
  }

  async listForCustomer(customerId: string) {
    return [...this.#orders.values()]
      .filter((o) => o.customerId === customerId)
      .sort((a, b) => b.placedAt.localeCompare(a.placedAt) || b.orderId.localeCompare(a.orderId))
      .slice(0, HISTORY_LIMIT)
      .map((o) => structuredClone(o));
  }
}
