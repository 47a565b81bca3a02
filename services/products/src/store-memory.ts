import type { DomainEvent } from '@platform/shared/events';
import type { MemoryEventTable } from '@platform/shared/outbox-memory';
import type { StoreKit } from '@platform/shared/service';
import type { CatalogProduct } from './domain.ts';
import type { Catalog, Decision, Reservations, StockLedger, StockMove } from './ports.ts';

/** The embedded stores: Maps with the same unique-key semantics as the MongoDB adapters. */
export class MemoryCatalog implements Catalog {
  readonly #versions: MemoryEventTable<CatalogProduct>;
  readonly #products = new Map<string, CatalogProduct>();

  constructor(kit: StoreKit) {
    this.#versions = kit.outbox.memory('product_versions');
  }

  async init() {}

  async insertVersion(product: CatalogProduct, events: DomainEvent[]) {
    const written = this.#versions.insertWithEvents(`${product.id}:${product.version}`, product, events);
    return written === 'inserted' ? ('ok' as const) : ('conflict' as const);
  }

  async project(product: CatalogProduct) {
    const current = this.#products.get(product.id);
    if (!current || current.version < product.version) this.#products.set(product.id, { ...product });
  }

  // A product is flat (strings and numbers): a spread is a full copy, far cheaper than structuredClone.
  async get(id: string) {
    const product = this.#products.get(id);
    return product ? { ...product } : null;
  }

  peek(id: string) {
    return this.#products.get(id);
  }

  async list(q: { category?: string | undefined; after?: string | undefined; limit: number }) {
    return [...this.#products.values()]
      .filter((p) => (!q.category || p.category === q.category) && (!q.after || p.id > q.after))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, q.limit)
      .map((p) => ({ ...p }));
  }

  async getMany(ids: string[]) {
    return ids.flatMap((id) => {
      const p = this.#products.get(id);
      return p ? [{ ...p }] : [];
    });
  }
}

export class MemoryStockLedger implements StockLedger {
  readonly #moves = new Map<string, StockMove>();
  readonly #byOpKey = new Map<string, StockMove>();
  readonly #latest = new Map<string, StockMove>();

  async init() {}

  async latest(productId: string) {
    const move = this.#latest.get(productId);
    return move ? { ...move } : null;
  }

  peek(productId: string) {
    return this.#latest.get(productId);
  }

  async latestMany(productIds: string[]) {
    const found = new Map<string, StockMove>();
    for (const id of productIds) {
      const move = this.#latest.get(id);
      if (move) found.set(id, { ...move });
    }
    return found;
  }

  async byOpKey(opKey: string) {
    const move = this.#byOpKey.get(opKey);
    return move ? { ...move } : null;
  }

  async append(move: StockMove) {
    const key = `${move.productId}:${move.seq}`;
    if (this.#moves.has(key) || this.#byOpKey.has(move.opKey)) return 'conflict' as const;
    const stored = { ...move };
    this.#moves.set(key, stored);
    this.#byOpKey.set(move.opKey, stored);
    const latest = this.#latest.get(move.productId);
    if (!latest || latest.seq < move.seq) this.#latest.set(move.productId, stored);
    return 'ok' as const;
  }
}

export class MemoryReservations implements Reservations {
  readonly #decisions: MemoryEventTable<Decision>;

  constructor(kit: StoreKit) {
    this.#decisions = kit.outbox.memory('stock_decisions');
  }

  async init() {}

  async get(orderId: string) {
    return this.#decisions.get(orderId) ?? null;
  }

  async decide(decision: Decision, events: DomainEvent[]) {
    this.#decisions.insertWithEvents(decision.orderId, decision, events);
    return this.#decisions.get(decision.orderId) as Decision;
  }
}
