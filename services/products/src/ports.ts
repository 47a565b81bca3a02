import type { DomainEvent } from '@platform/shared/events';
import type { CatalogProduct } from './domain.ts';
import type { StockKeeper } from './stock-keeper.ts';

/**
 * Every port here is built on inserts with unique keys, the one atomic operation that MongoDB,
 * DocumentDB and FerretDB share without transactions (docs/ARCHITECTURE.md, "Consistency without
 * transactions"): version facts claim a product version, stock moves claim the next ledger
 * sequence number, a reservation decision claims an order. Writes that announce something take
 * their events along and store them in the same insert; the kit publishes them.
 */

export interface Catalog {
  init(): Promise<void>;
  /** Claims `product.version` for the product, with its events; `conflict` when another write took it. */
  insertVersion(product: CatalogProduct, events: DomainEvent[]): Promise<'ok' | 'conflict'>;
  /** Updates the queryable copy, unless it already shows this version or a newer one. */
  project(product: CatalogProduct): Promise<void>;
  /**
   * One product. An adapter may answer with what it read or wrote within `maxAgeMs` without
   * reading again (0, the default: always read).
   */
  get(id: string, maxAgeMs?: number): Promise<CatalogProduct | null>;
  /**
   * What `get(id, maxAgeMs)` would answer without reading, when that is a product; else undefined.
   * Synchronous, for answers from memory (a product page's fast lane); never to be changed.
   */
  peek(id: string, maxAgeMs: number): Readonly<CatalogProduct> | undefined;
  list(q: { category?: string | undefined; after?: string | undefined; limit: number }): Promise<CatalogProduct[]>;
  getMany(ids: string[]): Promise<CatalogProduct[]>;
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
  /**
   * The product's latest move. An adapter that remembers the moves it has seen may answer with one
   * it read or wrote within `maxAgeMs` without reading again (0, the default: always read).
   */
  latest(productId: string, maxAgeMs?: number): Promise<StockMove | null>;
  /** What `latest(productId, maxAgeMs)` would answer without reading, when that is a move; else undefined. */
  peek(productId: string, maxAgeMs: number): Readonly<StockMove> | undefined;
  latestMany(productIds: string[], maxAgeMs?: number): Promise<Map<string, StockMove>>;
  byOpKey(opKey: string): Promise<StockMove | null>;
  /** `conflict` when the sequence number or the opKey is taken. */
  append(move: StockMove): Promise<'ok' | 'conflict'>;
}

export interface ReservationLine {
  productId: string;
  qty: number;
}

/** The decision on an order's stock, taken once. */
export interface Decision {
  orderId: string;
  outcome: 'RESERVED' | 'REJECTED';
  lines: ReservationLine[];
  /** Lines that could not be served (REJECTED). */
  missing: string[];
  decidedAt: string;
}

export interface Reservations {
  init(): Promise<void>;
  get(orderId: string): Promise<Decision | null>;
  /** Stores the decision with its events unless one exists; returns the one that counts. */
  decide(decision: Decision, events: DomainEvent[]): Promise<Decision>;
}

/** What products' routes and handlers work with. */
export interface ProductStores {
  catalog: Catalog;
  stock: StockKeeper;
  reservations: Reservations;
}
