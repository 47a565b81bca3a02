import { KeyedMutex } from '@platform/shared/async';
import { READ_STALENESS_MS } from './domain.ts';
import type { StockLedger, StockMove } from './ports.ts';

export type MoveResult = 'applied' | 'already' | 'insufficient' | 'unknown';

/**
 * The stock ledger's one write: append the move `opKey` to a product's ledger, computing its new
 * stock from the latest entry, exactly once.
 *
 * Optimistic concurrency on unique keys: the move claims `(product, seq + 1)`; when another move
 * took that number first, re-read and try again. The opKey is unique too, so a move that was
 * applied before (a redelivered message, a concurrent duplicate) cannot be inserted again; the
 * ledger is asked for it by opKey only when an insert was refused or the stock looks short, which
 * keeps the common path to point lookups and one insert.
 * Within one process, moves on a product are queued (KeyedMutex) so they do not race each other;
 * across replicas the unique keys decide.
 */
export class StockKeeper {
  readonly #ledger: StockLedger;
  readonly #local = new KeyedMutex();

  constructor(ledger: StockLedger) {
    this.#ledger = ledger;
  }

  init(): Promise<void> {
    return this.#ledger.init();
  }

  move(
    productId: string,
    opKey: string,
    next: (stock: number) => number | 'insufficient',
    extra: Pick<StockMove, 'orderId'> = {},
  ): Promise<MoveResult> {
    return this.#local.run(productId, async () => {
      // The latest move this process knows is tried first, without a read: if another replica has
      // moved the product since, the insert of seq + 1 is refused and the next round reads.
      let maxAgeMs = Number.POSITIVE_INFINITY;
      for (let attempt = 0; attempt < 50; attempt++) {
        const latest = await this.#ledger.latest(productId, maxAgeMs);
        if (!latest) {
          if (maxAgeMs === 0) return 'unknown';
          maxAgeMs = 0;
          continue;
        }
        if (latest.opKey === opKey) return 'already';
        const stock = next(latest.stock);
        if (stock === 'insufficient') {
          // Short by what this process knows: read the ledger before saying so (another replica
          // may have restocked); short then, unless this very move was made before (a redelivery).
          if (maxAgeMs !== 0) {
            maxAgeMs = 0;
            continue;
          }
          return (await this.#ledger.byOpKey(opKey)) ? 'already' : 'insufficient';
        }
        if (!Number.isInteger(stock) || stock < 0) throw new Error(`stock of ${productId} would become ${stock}`);
        const appended = await this.#ledger.append({
          productId,
          seq: latest.seq + 1,
          stock,
          delta: stock - latest.stock,
          opKey,
          at: new Date().toISOString(),
          ...extra,
        });
        if (appended === 'ok') return 'applied';
        // The number was taken by another move, or this opKey was applied before: which one?
        if (await this.#ledger.byOpKey(opKey)) return 'already';
        maxAgeMs = 0;
      }
      throw new Error(`stock of ${productId}: too much contention, will retry`);
    });
  }

  async initial(productId: string, stock: number): Promise<void> {
    const appended = await this.#ledger.append({
      productId,
      seq: 1,
      stock,
      delta: stock,
      opKey: `init:${productId}`,
      at: new Date().toISOString(),
    });
    if (appended === 'conflict') throw new Error(`product ${productId} already has stock`);
  }

  /** Sets the stock to `target` (an admin correction), as one more move in the ledger. */
  set(productId: string, target: number, opKey: string): Promise<MoveResult> {
    return this.move(productId, opKey, () => target);
  }

  /** The stock to show: at most READ_STALENESS_MS behind other replicas' moves (this one's at once). */
  async current(productId: string): Promise<number> {
    return (await this.#ledger.latest(productId, READ_STALENESS_MS))?.stock ?? 0;
  }

  /** What `current` would answer, when it has it in memory; else undefined. */
  currentInMemory(productId: string): number | undefined {
    return this.#ledger.peek(productId, READ_STALENESS_MS)?.stock;
  }

  async currentMany(productIds: string[]): Promise<Map<string, number>> {
    const latest = await this.#ledger.latestMany(productIds, READ_STALENESS_MS);
    return new Map(productIds.map((id) => [id, latest.get(id)?.stock ?? 0]));
  }

  reserveKey = (orderId: string, productId: string) => `${orderId}:${productId}:reserve`;
  releaseKey = (orderId: string, productId: string) => `${orderId}:${productId}:release`;

  /** Gives back what an order took from a product, once, and only if it took anything. */
  async release(orderId: string, productId: string): Promise<void> {
    const taken = await this.#ledger.byOpKey(this.reserveKey(orderId, productId));
    if (!taken) return;
    await this.move(productId, this.releaseKey(orderId, productId), (s) => s - taken.delta, { orderId });
  }
}
