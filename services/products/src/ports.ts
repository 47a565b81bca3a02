import type { DomainEvent } from '@platform/shared/events';
import type { OutboxStore } from '@platform/shared/outbox';
import type { CatalogProduct } from './domain.ts';

/**
 * Every port here is built on inserts with unique keys, the one atomic operation that MongoDB,
 * DocumentDB and FerretDB share without transactions (see README, "Consistency without
 * transactions"): version facts claim a product version, stock moves claim the next ledger
 * sequence number, a reservation decision claims an order.
 */

/** A product version as written: immutable, carrying its `product.changed` in its outbox. */
export interface VersionFact {
  product: CatalogProduct;
  events: DomainEvent[];
}

export interface Catalog {
  init(): Promise<void>;
  /** Claims `product.version` for the product; `conflict` when another write took it first. */
  insertVersion(fact: VersionFact): Promise<'ok' | 'conflict'>;
  /** Updates the queryable copy, unless it already shows this version or a newer one. */
  project(product: CatalogProduct): Promise<void>;
  get(id: string): Promise<CatalogProduct | null>;
  list(q: { category?: string | undefined; after?: string | undefined; limit: number }): Promise<CatalogProduct[]>;
  getMany(ids: string[]): Promise<CatalogProduct[]>;
  readonly outbox: OutboxStore;
}

/** One entry of a product's stock ledger. `seq` numbers a product's moves 1, 2, 3, ... */
export interface StockMove {
  productId: string;
  seq: number;
  /** Stock after this move; never negative. */
  stock: number;
  delta: number;
  /** Unique per operation (`init:<product>`, `<order>:<product>:reserve`, ...): makes moves idempotent. */
  opKey: string;
  orderId?: string;
  at: string;
}

export interface StockLedger {
  init(): Promise<void>;
  latest(productId: string): Promise<StockMove | null>;
  latestMany(productIds: string[]): Promise<Map<string, StockMove>>;
  byOpKey(opKey: string): Promise<StockMove | null>;
  /** `conflict` when the sequence number or the opKey is taken. */
  append(move: StockMove): Promise<'ok' | 'conflict'>;
}

export interface ReservationLine {
  productId: string;
  qty: number;
}

/** The decision on an order's stock, taken once, carrying its `stock.*` event in its outbox. */
export interface Decision {
  orderId: string;
  outcome: 'RESERVED' | 'REJECTED';
  lines: ReservationLine[];
  /** Lines that could not be served (REJECTED). */
  missing: string[];
  decidedAt: string;
  events: DomainEvent[];
}

export interface Reservations {
  init(): Promise<void>;
  get(orderId: string): Promise<Decision | null>;
  /** Stores the decision unless one exists; returns the one that counts. */
  decide(decision: Decision): Promise<Decision>;
  readonly outbox: OutboxStore;
}
