import { KeyedMutex } from '@platform/shared/async';
import { BoundedMap } from '@platform/shared/bounded-map';
import type { DomainEvent } from '@platform/shared/events';
import { byCodeUnits } from '@platform/shared/ids';
import { insertOnce, isDuplicateKey } from '@platform/shared/mongo';
import type { MongoEventCollection } from '@platform/shared/outbox-mongo';
import type { StoreKit } from '@platform/shared/service';
import type { Collection, Db } from 'mongodb';
import { type CartLine, type CatalogEntry, MAX_CART_LINES, type Order, type Outcome } from './domain.ts';
import type { Carts, CatalogProjection, Orders } from './ports.ts';

type CatalogDoc = CatalogEntry & { _id: string };
type CartDoc = { _id: string; lines: Record<string, Omit<CartLine, 'productId'>> };
type OrderDoc = Omit<Order, 'orderId'> & { _id: string };
type OutcomeDoc = Omit<Outcome, 'orderId'> & { _id: string };

/**
 * Version facts under `_id` = `<product>:<version>`. The newest is found the way the stock
 * ledger finds its latest move: from the newest version this process has seen, point lookups of
 * `<version + 1>` until there is none (the cheapest read on MongoDB and DocumentDB, the only
 * indexed one on FerretDB 1.x as released). A version that overtook its predecessor waits behind the gap
 * until the predecessor arrives too, which every version does.
 *
 * Versions this process records apply at once; one recorded by another replica (replicas share
 * the queue) is looked for at most every CATALOG_RECHECK_MS per product, so a busy cart prices
 * with a version at most that old instead of paying a lookup per request.
 */
export const CATALOG_RECHECK_MS = 1_000;

export class MongoCatalogProjection implements CatalogProjection {
  readonly #versions: Collection<CatalogDoc>;
  readonly #seen = new Map<string, CatalogEntry>();
  /** When each product was last looked for a newer version in the database. */
  readonly #checkedAt = new Map<string, number>();

  constructor(db: Db) {
    this.#versions = db.collection<CatalogDoc>('catalog_versions');
  }

  async init() {
    await this.#versions.createIndex({ productId: 1, version: -1 });
  }

  async record(entry: CatalogEntry) {
    const latest = await this.latest(entry.productId);
    if (latest && latest.version >= entry.version) return 'stale' as const;
    if (!(await insertOnce(this.#versions, { _id: `${entry.productId}:${entry.version}`, ...entry })))
      return 'stale' as const;
    if (!latest || entry.version === latest.version + 1) this.#seen.set(entry.productId, { ...entry });
    this.#checkedAt.delete(entry.productId); // it may have closed a gap: look past it next time
    return 'applied' as const;
  }

  async latest(productId: string) {
    let latest = this.#seen.get(productId);
    const now = Date.now();
    if (latest && now - (this.#checkedAt.get(productId) ?? 0) < CATALOG_RECHECK_MS) return { ...latest };
    if (!latest) {
      const top = contiguousTop(await this.#versions.find({ productId }).sort({ version: 1 }).toArray());
      if (!top) return null;
      latest = strip(top);
    }
    for (;;) {
      const next = await this.#versions.findOne({ _id: `${productId}:${latest.version + 1}` });
      if (!next) break;
      latest = strip(next);
    }
    this.#seen.set(productId, latest);
    this.#checkedAt.set(productId, now);
    return { ...latest };
  }

  async latestMany(productIds: string[]) {
    const found = await Promise.all(productIds.map((id) => this.latest(id)));
    return new Map(found.flatMap((e) => (e ? [[e.productId, e] as const] : [])));
  }
}

const strip = ({ _id, ...entry }: CatalogDoc): CatalogEntry => entry;

/** The newest version reached from the oldest without a gap (versions ascending). */
function contiguousTop(ascending: CatalogDoc[]): CatalogDoc | undefined {
  let top = ascending[0];
  for (const doc of ascending.slice(1)) {
    if (top && doc.version !== top.version + 1) break;
    top = doc;
  }
  return top;
}

/**
 * One document per customer, `_id` = customer id, its lines a map by product id: every read and
 * write is by `_id` (an index lookup everywhere, and the only filter FerretDB 1.x as released pushes down)
 * and touches one document.
 *
 * A customer's changes are queued in this process (KeyedMutex). MongoDB and DocumentDB apply
 * each update atomically anyway; FerretDB 1.x does not: it reads, changes and writes the whole
 * document back, so two concurrent updates of one document can lose one of them. Queued, a
 * change and its line limit check, or the emptying after an order and the read it compares
 * with, see no other change of this cart in between. (Across replicas on FerretDB, which is for
 * development and tests, that guarantee does not hold.)
 */
export class MongoCarts implements Carts {
  readonly #carts: Collection<CartDoc>;
  readonly #queue = new KeyedMutex();
  /**
   * Each cart's lines (product -> updatedAt) as this process last read or wrote them, so that
   * emptying a cart after an order needs no read: a line this process changed after the order
   * read it has another updatedAt here and stays.
   */
  readonly #known = new BoundedMap<Record<string, string>>(50_000);

  constructor(db: Db) {
    this.#carts = db.collection<CartDoc>('carts');
  }

  async init() {}

  set(customerId: string, productId: string, qty: number) {
    return this.#queue.run(customerId, async () => {
      const write = () =>
        this.#carts.findOneAndUpdate(
          { _id: customerId },
          { $set: { [`lines.${productId}`]: { qty, updatedAt: new Date().toISOString() } } },
          { upsert: true, returnDocument: 'after' },
        );
      let lines: CartLine[];
      try {
        lines = this.#note(customerId, await write());
      } catch (err) {
        // another replica inserted this customer's cart first: update it instead
        if (!isDuplicateKey(err)) throw err;
        lines = this.#note(customerId, await write());
      }
      if (lines.length <= MAX_CART_LINES) return lines;
      // One line too many, so this product was new: take it out again (written first, checked
      // after, the common case costs one round trip).
      await this.#carts.updateOne({ _id: customerId }, { $unset: { [`lines.${productId}`]: '' } });
      this.#known.delete(customerId);
      return 'full' as const;
    });
  }

  remove(customerId: string, productId: string) {
    return this.#queue.run(customerId, async () =>
      this.#note(
        customerId,
        await this.#carts.findOneAndUpdate(
          { _id: customerId },
          { $unset: { [`lines.${productId}`]: '' } },
          { returnDocument: 'after' },
        ),
      ),
    );
  }

  lines(customerId: string) {
    return this.#queue.run(customerId, async () =>
      this.#note(customerId, await this.#carts.findOne({ _id: customerId })),
    );
  }

  /**
   * A line changed since it was read stays. What this process knows of the cart answers that
   * without a read; a change made meanwhile through another replica is not seen (the cart of one
   * customer is rarely changed on two tasks at the very moment of an order).
   */
  removeOrdered(customerId: string, lines: CartLine[]) {
    return this.#queue.run(customerId, async () => {
      const current =
        this.#known.get(customerId) ?? updatedAtOf((await this.#carts.findOne({ _id: customerId }))?.lines ?? {});
      const unchanged = lines.filter((l) => current[l.productId] === l.updatedAt);
      if (unchanged.length === 0) return;
      await this.#carts.updateOne(
        { _id: customerId },
        { $unset: Object.fromEntries(unchanged.map((l) => [`lines.${l.productId}`, ''])) },
      );
      const left = { ...current };
      for (const l of unchanged) delete left[l.productId];
      this.#known.set(customerId, left);
    });
  }

  /** Remembers a cart as read or written here, and answers its lines. */
  #note(customerId: string, doc: CartDoc | null): CartLine[] {
    this.#known.set(customerId, updatedAtOf(doc?.lines ?? {}));
    return linesOf(doc);
  }

  restore(customerId: string, lines: Array<{ productId: string; qty: number }>) {
    return this.#queue.run(customerId, async () => {
      const current = (await this.#carts.findOne({ _id: customerId }))?.lines ?? {};
      const room = MAX_CART_LINES - Object.keys(current).length;
      const missing = lines.filter((l) => !current[l.productId]).slice(0, Math.max(0, room));
      if (missing.length === 0) return;
      const updatedAt = new Date().toISOString();
      const set = Object.fromEntries(missing.map((l) => [`lines.${l.productId}`, { qty: l.qty, updatedAt }]));
      try {
        await this.#carts.updateOne({ _id: customerId }, { $set: set }, { upsert: true });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // the cart was created concurrently: set on it
        await this.#carts.updateOne({ _id: customerId }, { $set: set });
      }
      this.#known.delete(customerId);
    });
  }
}

const updatedAtOf = (lines: CartDoc['lines']): Record<string, string> =>
  Object.fromEntries(Object.entries(lines).map(([productId, line]) => [productId, line.updatedAt]));

/** The lines oldest first (ties by product id), as the cart shows them. */
function linesOf(doc: CartDoc | null): CartLine[] {
  return Object.entries(doc?.lines ?? {})
    .map(([productId, { qty, updatedAt }]) => ({ productId, qty, updatedAt }))
    .sort((a, b) => byCodeUnits(a.updatedAt, b.updatedAt) || byCodeUnits(a.productId, b.productId));
}

export class MongoOrders implements Orders {
  readonly #orders: MongoEventCollection<OrderDoc>;
  readonly #outcomes: MongoEventCollection<OutcomeDoc>;

  constructor(db: Db, kit: StoreKit) {
    this.#orders = kit.outbox.mongo(db.collection<OrderDoc>('orders'));
    this.#outcomes = kit.outbox.mongo(db.collection<OutcomeDoc>('order_outcomes'));
  }

  async init() {
    await this.#orders.collection.createIndex({ customerId: 1, placedAt: -1 });
  }

  async place({ orderId, ...order }: Order, events: DomainEvent[]) {
    return (await this.#orders.insertWithEvents({ _id: orderId, ...order }, events)) === 'inserted'
      ? ('placed' as const)
      : ('exists' as const);
  }

  async get(orderId: string) {
    const doc = await this.#orders.findOne({ _id: orderId });
    return doc ? toOrder(doc) : null;
  }

  async listForCustomer(customerId: string, limit: number) {
    return (await this.#orders.find({ customerId }).sort({ placedAt: -1, _id: -1 }).limit(limit).toArray()).map(
      toOrder,
    );
  }

  async decide({ orderId, ...outcome }: Outcome, events: DomainEvent[]) {
    return (await this.#outcomes.insertWithEvents({ _id: orderId, ...outcome }, events)) === 'inserted'
      ? ('decided' as const)
      : ('exists' as const);
  }

  async outcome(orderId: string) {
    const doc = await this.#outcomes.findOne({ _id: orderId });
    return doc ? toOutcome(doc) : null;
  }

  async outcomes(orderIds: string[]) {
    const docs = await this.#outcomes.find({ _id: { $in: orderIds } }).toArray();
    return new Map(docs.map((d) => [d._id, toOutcome(d)]));
  }
}

function toOrder(doc: OrderDoc): Order {
  const { _id, ...order } = doc;
  return { orderId: _id, ...order };
}

function toOutcome(doc: OutcomeDoc): Outcome {
  const { _id, ...outcome } = doc;
  return { orderId: _id, ...outcome };
}
