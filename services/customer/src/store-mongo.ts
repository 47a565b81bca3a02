import { insertOnce, isDuplicateKey } from '@platform/shared/mongo';
import type { Collection, Db } from 'mongodb';
import {
  type Address,
  type Customer,
  HISTORY_LIMIT,
  mergeHistory,
  type OrderOutcome,
  type PlacedOrder,
} from './domain.ts';
import type { CustomerStore, OrderHistory } from './ports.ts';

/**
 * Concurrency here rests on unique keys only, never on read-modify-write of a document: that is
 * the one atomic operation MongoDB, DocumentDB and FerretDB all provide (FerretDB 1.x applies an
 * update as a read followed by a blind write, so concurrent conditional updates can both
 * "succeed"). Addresses and wishlist entries are documents of their own in numbered slots, with a
 * unique index on (customerId, slot): two concurrent adds cannot take the same slot, so the
 * limits hold exactly.
 */
type CustomerDoc = Omit<Customer, 'id' | 'addresses' | 'wishlist'> & { _id: string };
type AddressDoc = Address & { _id: string; customerId: string; slot: number };
type WishDoc = { _id: string; customerId: string; productId: string; slot: number; addedAt: Date };

export class MongoCustomerStore implements CustomerStore {
  readonly #customers: Collection<CustomerDoc>;
  readonly #addresses: Collection<AddressDoc>;
  readonly #wishlist: Collection<WishDoc>;

  constructor(db: Db) {
    this.#customers = db.collection<CustomerDoc>('customers');
    this.#addresses = db.collection<AddressDoc>('addresses');
    this.#wishlist = db.collection<WishDoc>('wishlist');
  }

  async init() {
    await this.#customers.createIndex({ email: 1 }, { unique: true });
    await this.#addresses.createIndex({ customerId: 1, slot: 1 }, { unique: true });
    await this.#wishlist.createIndex({ customerId: 1, slot: 1 }, { unique: true });
  }

  async create({ id, addresses: _, wishlist: __, ...rest }: Customer) {
    try {
      await this.#customers.insertOne({ _id: id, ...rest });
      return 'created' as const;
    } catch (err) {
      if (isDuplicateKey(err)) return 'email_taken' as const;
      throw err;
    }
  }

  async findByEmail(email: string) {
    const doc = await this.#customers.findOne({ email });
    return doc ? this.#assemble(doc) : null;
  }

  async findById(id: string) {
    const doc = await this.#customers.findOne({ _id: id });
    return doc ? this.#assemble(doc) : null;
  }

  async #assemble({ _id, ...rest }: CustomerDoc): Promise<Customer> {
    const [addresses, wishlist] = await Promise.all([
      this.#addresses.find({ customerId: _id }).sort({ slot: 1 }).toArray(),
      this.#wishlist.find({ customerId: _id }).sort({ addedAt: 1, slot: 1 }).toArray(),
    ]);
    return {
      id: _id,
      ...rest,
      addresses: addresses.map(({ id, street, postalCode, city, country }) => ({
        id,
        street,
        postalCode,
        city,
        country,
      })),
      wishlist: wishlist.map((w) => w.productId),
    };
  }

  async setRole(id: string, role: Customer['role']) {
    await this.#customers.updateOne({ _id: id }, { $set: { role } });
  }

  async addAddress(customerId: string, address: Address, max: number) {
    if (!(await this.#exists(customerId))) return 'not_found' as const;
    const slot = await takeSlot(this.#addresses, customerId, max, (s) => ({
      _id: address.id,
      customerId,
      slot: s,
      ...address,
    }));
    return slot === undefined ? ('limit' as const) : ('added' as const);
  }

  async addToWishlist(customerId: string, productId: string, max: number) {
    if (!(await this.#exists(customerId))) return 'not_found' as const;
    const _id = `${customerId}:${productId}`;
    for (;;) {
      if (await this.#wishlist.findOne({ _id }, { projection: { _id: 1 } })) return 'added' as const;
      try {
        const slot = await takeSlot(this.#wishlist, customerId, max, (s) => ({
          _id,
          customerId,
          productId,
          slot: s,
          addedAt: new Date(),
        }));
        return slot === undefined ? ('limit' as const) : ('added' as const);
      } catch (err) {
        // The same product added concurrently: the loop's first check answers it.
        if (!isDuplicateKey(err)) throw err;
      }
    }
  }

  async removeFromWishlist(customerId: string, productId: string) {
    if (!(await this.#exists(customerId))) return 'not_found' as const;
    await this.#wishlist.deleteOne({ _id: `${customerId}:${productId}` });
    return 'removed' as const;
  }

  async #exists(id: string) {
    return (await this.#customers.countDocuments({ _id: id }, { limit: 1 })) > 0;
  }
}

/**
 * Inserts `make(slot)` into the lowest free slot below `max` and returns it, or undefined when all
 * are taken. A slot taken concurrently is a duplicate key on (customerId, slot): try the next one.
 * A duplicate on another key (the document's own _id) is the caller's to handle.
 */
async function takeSlot<T extends { _id: string; customerId: string; slot: number }>(
  collection: Collection<T>,
  customerId: string,
  max: number,
  make: (slot: number) => T,
): Promise<number | undefined> {
  const c = collection as unknown as Collection<{ _id: string; customerId: string; slot: number }>;
  for (let attempt = 0; attempt < max + 10; attempt++) {
    const used = new Set((await c.find({ customerId }, { projection: { slot: 1 } }).toArray()).map((d) => d.slot));
    let slot = 0;
    while (used.has(slot)) slot++;
    if (slot >= max) return undefined;
    const doc = make(slot);
    try {
      await c.insertOne(doc);
      return slot;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const sameId = await c.findOne({ _id: doc._id }, { projection: { slot: 1 } });
      if (sameId && sameId.slot !== slot) throw err; // the _id exists elsewhere: not a slot race
      if (sameId) return slot; // another writer inserted this very document
    }
  }
  throw new Error(`could not take a slot for ${customerId}: too much contention`);
}

/**
 * The history as two kinds of facts, each inserted once and never changed: the placed order (its
 * details) and its outcome (the final status). Duplicates are refused by the unique _id, an
 * outcome cannot be replaced, and the arrival order does not matter: the list merges both.
 */
type PlacedDoc = Omit<PlacedOrder, 'orderId'> & { _id: string };
type OutcomeDoc = Omit<OrderOutcome, 'orderId'> & {
  _id: string;
  /** When this service learnt the outcome (operations: how far behind the saga the history runs). */
  recordedAt: Date;
};

export class MongoOrderHistory implements OrderHistory {
  readonly #placed: Collection<PlacedDoc>;
  readonly #outcomes: Collection<OutcomeDoc>;

  constructor(db: Db) {
    this.#placed = db.collection<PlacedDoc>('orders_placed');
    this.#outcomes = db.collection<OutcomeDoc>('order_outcomes');
  }

  async init() {
    await this.#placed.createIndex({ customerId: 1, placedAt: -1 });
    await this.#outcomes.createIndex({ customerId: 1 });
  }

  async recordPlaced({ orderId, customerId, totalCents, items, placedAt }: PlacedOrder) {
    await insertOnce(this.#placed, { _id: orderId, customerId, totalCents, items, placedAt });
  }

  async recordOutcome(o: OrderOutcome) {
    await insertOnce(this.#outcomes, {
      _id: o.orderId,
      customerId: o.customerId,
      status: o.status,
      at: o.at,
      recordedAt: new Date(),
      ...(o.totalCents !== undefined && { totalCents: o.totalCents }),
    });
  }

  async listForCustomer(customerId: string) {
    const [placed, outcomes] = await Promise.all([
      this.#placed.find({ customerId }).sort({ placedAt: -1 }).limit(HISTORY_LIMIT).toArray(),
      this.#outcomes.find({ customerId }).toArray(),
    ]);
    return mergeHistory(
      placed.map(({ _id, ...p }) => ({ orderId: _id, ...p })),
      outcomes.map(({ _id, recordedAt: _, ...o }) => ({ orderId: _id, ...o })),
    );
  }
}
