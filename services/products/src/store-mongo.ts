import { BoundedMap } from '@platform/shared/bounded-map';
import type { DomainEvent } from '@platform/shared/events';
import { isDuplicateKey } from '@platform/shared/mongo';
import type { MongoEventCollection } from '@platform/shared/outbox-mongo';
import type { StoreKit } from '@platform/shared/service';
import type { Collection, Db } from 'mongodb';
import type { CatalogProduct } from './domain.ts';
import type { Catalog, Decision, Reservations, StockLedger, StockMove } from './ports.ts';

type ProductDoc = Omit<CatalogProduct, 'id'> & { _id: string };
type VersionDoc = { _id: string; productId: string; version: number; product: CatalogProduct };
type MoveDoc = StockMove & { _id: string };
type DecisionDoc = Omit<Decision, 'orderId'> & { _id: string };

const toProduct = ({ _id, ...rest }: ProductDoc): CatalogProduct => ({ id: _id, ...rest });

/**
 * The catalog on MongoDB. Reads of one product may be answered from what this process read or
 * wrote within the caller's `maxAgeMs` (the read model of product pages: a page at most that far
 * behind a change made through another replica, this replica's own at once).
 */
export class MongoCatalog implements Catalog {
  readonly #products: Collection<ProductDoc>;
  readonly #versions: MongoEventCollection<VersionDoc>;
  readonly #read = new BoundedMap<{ product: CatalogProduct | null; at: number }>(10_000);

  constructor(db: Db, kit: StoreKit) {
    this.#products = db.collection<ProductDoc>('products');
    this.#versions = kit.outbox.mongo(db.collection<VersionDoc>('product_versions'));
  }

  async init() {
    await this.#products.createIndex({ category: 1, _id: 1 });
    await this.#versions.collection.createIndex({ productId: 1, version: -1 });
  }

  async insertVersion(product: CatalogProduct, events: DomainEvent[]) {
    const doc = { _id: `${product.id}:${product.version}`, productId: product.id, version: product.version, product };
    return (await this.#versions.insertWithEvents(doc, events)) === 'inserted'
      ? ('ok' as const)
      : ('conflict' as const);
  }

  async project(product: CatalogProduct) {
    const { id, ...fields } = product;
    const res = await this.#products.updateOne({ _id: id, version: { $lt: fields.version } }, { $set: fields });
    if (res.matchedCount === 0) {
      try {
        await this.#products.insertOne({ _id: id, ...fields });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // it exists with this version or a newer one
        return;
      }
    }
    const known = this.#read.get(id)?.product;
    if (!known || known.version < product.version) this.#read.set(id, { product: { ...product }, at: Date.now() });
  }

  async get(id: string, maxAgeMs = 0) {
    const known = this.#read.get(id);
    if (known && Date.now() - known.at < maxAgeMs) return known.product && { ...known.product };
    const at = Date.now();
    const doc = await this.#products.findOne({ _id: id });
    let product = doc ? toProduct(doc) : null;
    if (!product) {
      // A crash between the version fact and its projection leaves only the fact: repair from it.
      const [latest] = await this.#versions.find({ productId: id }).sort({ version: -1 }).limit(1).toArray();
      if (latest) await this.project(latest.product);
      product = latest?.product ?? null;
    }
    this.#read.set(id, { product, at });
    return product && { ...product };
  }

  peek(id: string, maxAgeMs: number) {
    const known = this.#read.get(id);
    return known && Date.now() - known.at < maxAgeMs ? (known.product ?? undefined) : undefined;
  }

  async list(q: { category?: string | undefined; after?: string | undefined; limit: number }) {
    const filter = { ...(q.category && { category: q.category }), ...(q.after && { _id: { $gt: q.after } }) };
    return (await this.#products.find(filter).sort({ _id: 1 }).limit(q.limit).toArray()).map(toProduct);
  }

  async getMany(ids: string[]) {
    return (await this.#products.find({ _id: { $in: ids } }).toArray()).map(toProduct);
  }
}

/**
 * Moves are stored under `_id` = `<product>:<seq>`, numbered without gaps, so the latest move
 * is found by point lookups: this process remembers the latest move it has seen per product and
 * looks up `<seq + 1>` until there is none. Point lookups by _id are the cheapest read on MongoDB
 * and DocumentDB, and the only indexed one on FerretDB 1.x as released. The memory is a hint, never the
 * truth: the unique _id decides every write (a move computed from a stale latest claims a number
 * another move took, and is retried), and other replicas' moves are found by the lookups.
 */
export class MongoStockLedger implements StockLedger {
  readonly #moves: Collection<MoveDoc>;
  readonly #seen = new Map<string, StockMove>();
  /** When each product's latest move was last read or written here. */
  readonly #checkedAt = new Map<string, number>();

  constructor(db: Db) {
    this.#moves = db.collection<MoveDoc>('stock_moves');
  }

  async init() {
    await this.#moves.createIndex({ productId: 1, seq: -1 });
    await this.#moves.createIndex({ opKey: 1 }, { unique: true });
  }

  async latest(productId: string, maxAgeMs = 0) {
    let latest = this.#seen.get(productId);
    const now = Date.now();
    if (latest && now - (this.#checkedAt.get(productId) ?? 0) < maxAgeMs) return { ...latest };
    if (!latest) {
      const [doc] = await this.#moves.find({ productId }).sort({ seq: -1 }).limit(1).toArray();
      if (!doc) return null;
      latest = strip(doc);
    }
    for (;;) {
      const next = await this.#moves.findOne({ _id: `${productId}:${latest.seq + 1}` });
      if (!next) break;
      latest = strip(next);
    }
    this.#remember(latest, now);
    return { ...latest };
  }

  peek(productId: string, maxAgeMs: number) {
    const latest = this.#seen.get(productId);
    return latest && Date.now() - (this.#checkedAt.get(productId) ?? 0) < maxAgeMs ? latest : undefined;
  }

  async latestMany(productIds: string[], maxAgeMs = 0) {
    const found = await Promise.all(productIds.map((id) => this.latest(id, maxAgeMs)));
    return new Map(found.flatMap((m) => (m ? [[m.productId, m] as const] : [])));
  }

  async byOpKey(opKey: string) {
    const doc = await this.#moves.findOne({ opKey });
    return doc ? strip(doc) : null;
  }

  async append(move: StockMove) {
    try {
      await this.#moves.insertOne({ _id: `${move.productId}:${move.seq}`, ...move });
      this.#remember(move, Date.now());
      return 'ok' as const;
    } catch (err) {
      if (isDuplicateKey(err)) return 'conflict' as const;
      throw err;
    }
  }

  #remember(move: StockMove, at: number) {
    const known = this.#seen.get(move.productId);
    if (!known || known.seq <= move.seq) {
      this.#seen.set(move.productId, { ...move });
      this.#checkedAt.set(move.productId, at);
    }
  }
}

const strip = ({ _id, ...move }: MoveDoc): StockMove => move;

export class MongoReservations implements Reservations {
  readonly #decisions: MongoEventCollection<DecisionDoc>;

  constructor(db: Db, kit: StoreKit) {
    this.#decisions = kit.outbox.mongo(db.collection<DecisionDoc>('stock_decisions'));
  }

  async init() {}

  async get(orderId: string) {
    const doc = await this.#decisions.findOne({ _id: orderId });
    if (!doc) return null;
    const { _id, ...decision } = doc;
    return { orderId: _id, ...decision };
  }

  async decide({ orderId, ...decision }: Decision, events: DomainEvent[]) {
    if ((await this.#decisions.insertWithEvents({ _id: orderId, ...decision }, events)) === 'inserted') {
      return { orderId, ...decision };
    }
    return (await this.get(orderId)) as Decision; // decided before: that decision stands
  }
}
