import { isDuplicateKey } from '@platform/shared/mongo';
import type { Collection, Db } from 'mongodb';
import { type Customer, HISTORY_LIMIT, type OrderSummary } from './domain.ts';
import type { CustomerStore, OrderHistory } from './ports.ts';

type CustomerDoc = Omit<Customer, 'id'> & { _id: string };
type OrderDoc = Omit<OrderSummary, 'orderId'> & { _id: string };

const toCustomer = ({ _id, ...rest }: CustomerDoc): Customer => ({ id: _id, ...rest });
const toSummary = ({ _id, ...rest }: OrderDoc): OrderSummary => ({ orderId: _id, ...rest });

export class MongoCustomerStore implements CustomerStore {
  readonly #c: Collection<CustomerDoc>;

  constructor(db: Db) {
    this.#c = db.collection<CustomerDoc>('customers');
  }

  async init() {
    await this.#c.createIndex({ email: 1 }, { unique: true });
  }

  async create({ id, ...rest }: Customer) {
    try {
      await this.#c.insertOne({ _id: id, ...rest });
      return 'created' as const;
    } catch (err) {
      if (isDuplicateKey(err)) return 'email_taken' as const;
      throw err;
    }
  }

  async findByEmail(email: string) {
    const doc = await this.#c.findOne({ email });
    return doc ? toCustomer(doc) : null;
  }

  async findById(id: string) {
    const doc = await this.#c.findOne({ _id: id });
    return doc ? toCustomer(doc) : null;
  }

  async setRole(id: string, role: Customer['role']) {
    await this.#c.updateOne({ _id: id }, { $set: { role } });
  }

  async addAddress(customerId: string, address: Customer['addresses'][number], max: number) {
    // The size check is part of the update's filter, so concurrent adds cannot pass the limit.
    const res = await this.#c.updateOne(
      { _id: customerId, [`addresses.${max - 1}`]: { $exists: false } },
      { $push: { addresses: address } },
    );
    if (res.matchedCount === 1) return 'added' as const;
    return (await this.#exists(customerId)) ? ('limit' as const) : ('not_found' as const);
  }

  async addToWishlist(customerId: string, productId: string, max: number) {
    const res = await this.#c.updateOne(
      { _id: customerId, $or: [{ wishlist: productId }, { [`wishlist.${max - 1}`]: { $exists: false } }] },
      { $addToSet: { wishlist: productId } },
    );
    if (res.matchedCount === 1) return 'added' as const;
    return (await this.#exists(customerId)) ? ('limit' as const) : ('not_found' as const);
  }

  async removeFromWishlist(customerId: string, productId: string) {
    const res = await this.#c.updateOne({ _id: customerId }, { $pull: { wishlist: productId } });
    return res.matchedCount === 1 ? ('removed' as const) : ('not_found' as const);
  }

  async #exists(id: string) {
    return (await this.#c.countDocuments({ _id: id }, { limit: 1 })) > 0;
  }
}

export class MongoOrderHistory implements OrderHistory {
  readonly #c: Collection<OrderDoc>;

  constructor(db: Db) {
    this.#c = db.collection<OrderDoc>('order_history');
  }

  async init() {
    await this.#c.createIndex({ customerId: 1, placedAt: -1 });
  }

  async recordPlaced({ orderId, status, updatedAt, ...details }: OrderSummary) {
    // Details are (re)written; status and updatedAt only when the entry is new, so an outcome
    // that arrived first is kept.
    await retryOnDuplicate(() =>
      this.#c.updateOne({ _id: orderId }, { $set: details, $setOnInsert: { status, updatedAt } }, { upsert: true }),
    );
  }

  async recordOutcome(o: Parameters<OrderHistory['recordOutcome']>[0]) {
    const moved = () =>
      this.#c.updateOne({ _id: o.orderId, status: 'PENDING' }, { $set: { status: o.status, updatedAt: o.at } });
    if ((await moved()).matchedCount === 1) return;
    try {
      // No entry yet (the outcome overtook order.placed): create it with the final status.
      await this.#c.insertOne({
        _id: o.orderId,
        customerId: o.customerId,
        status: o.status,
        totalCents: o.totalCents ?? 0,
        items: [],
        placedAt: o.at,
        updatedAt: o.at,
      });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // It exists: final already (nothing to do) or PENDING, written meanwhile (move it now).
      await moved();
    }
  }

  async listForCustomer(customerId: string) {
    const docs = await this.#c.find({ customerId }).sort({ placedAt: -1, _id: -1 }).limit(HISTORY_LIMIT).toArray();
    return docs.map(toSummary);
  }
}

/** Two concurrent upserts of one _id can both try the insert; the loser retries as an update. */
async function retryOnDuplicate<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return write();
  }
}
