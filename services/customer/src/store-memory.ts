import { type Customer, mergeHistory, type OrderOutcome, type PlacedOrder } from './domain.ts';
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
  readonly #placed = new Map<string, PlacedOrder>();
  readonly #outcomes = new Map<string, OrderOutcome>();

  async init() {}

  async recordPlaced(placed: PlacedOrder) {
    if (!this.#placed.has(placed.orderId)) this.#placed.set(placed.orderId, structuredClone(placed));
  }

  async recordOutcome(o: OrderOutcome) {
    if (!this.#outcomes.has(o.orderId)) this.#outcomes.set(o.orderId, { ...o });
  }

  async listForCustomer(customerId: string) {
    const mine = <T extends { customerId: string }>(m: Map<string, T>) =>
      [...m.values()].filter((x) => x.customerId === customerId);
    return structuredClone(mergeHistory(mine(this.#placed), mine(this.#outcomes)));
  }
}
