import { KeyedMutex } from '@platform/shared/async';
import type { EventHandler } from '@platform/shared/bus';
import { createEvent, type EventData } from '@platform/shared/events';
import { byCodeUnits } from '@platform/shared/ids';
import type { OutboxRelay } from '@platform/shared/outbox';
import type { Decision, ReservationLine, Reservations, StockLedger, StockMove } from './ports.ts';

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

  move(
    productId: string,
    opKey: string,
    next: (stock: number) => number | 'insufficient',
    extra: Pick<StockMove, 'orderId'> = {},
  ): Promise<MoveResult> {
    return this.#local.run(productId, async () => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const latest = await this.#ledger.latest(productId);
        if (!latest) return 'unknown';
        if (latest.opKey === opKey) return 'already';
        const stock = next(latest.stock);
        // Short of stock now: unless this very move was made before (a redelivery), it is short.
        if (stock === 'insufficient') return (await this.#ledger.byOpKey(opKey)) ? 'already' : 'insufficient';
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

  async current(productId: string): Promise<number> {
    return (await this.#ledger.latest(productId))?.stock ?? 0;
  }

  async currentMany(productIds: string[]): Promise<Map<string, number>> {
    const latest = await this.#ledger.latestMany(productIds);
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

/** Lines with one entry per product (quantities added up), in a fixed order. */
export function normaliseLines(items: Array<{ productId: string; qty: number }>): ReservationLine[] {
  const qty = new Map<string, number>();
  for (const item of items) qty.set(item.productId, (qty.get(item.productId) ?? 0) + item.qty);
  return [...qty]
    .map(([productId, q]) => ({ productId, qty: q }))
    .sort((a, b) => byCodeUnits(a.productId, b.productId));
}

/**
 * Reserves an order's stock: all lines or none, exactly once per order, never below zero, without
 * transactions.
 *
 * 1. A decision already stored for the order: finish it (below) and stop. Redeliveries end here.
 * 2. Reserve line by line (`<order>:<product>:reserve` moves); stop at the first line short of stock.
 * 3. Store the decision, RESERVED or REJECTED, with its event, unless one exists (a concurrent
 *    duplicate may have decided first: its decision counts).
 * 4. Finish: a REJECTED order gives back every line it took (`:release` moves, once each). Every
 *    path runs this after deciding, so whatever a duplicate took meanwhile is given back too.
 *
 * A crash anywhere leaves the message unacknowledged; its redelivery resumes from the ledger and
 * the decision, which are the whole state.
 */
export async function reserveStock(
  stock: StockKeeper,
  reservations: Reservations,
  order: EventData<'order.placed'>,
): Promise<Decision> {
  const existing = await reservations.get(order.orderId);
  if (existing) {
    await finish(stock, existing);
    return existing;
  }
  const lines = normaliseLines(order.items);
  const missing: string[] = [];
  for (const line of lines) {
    const result = await stock.move(
      line.productId,
      stock.reserveKey(order.orderId, line.productId),
      (s) => (s >= line.qty ? s - line.qty : 'insufficient'),
      { orderId: order.orderId },
    );
    if (result === 'insufficient' || result === 'unknown') {
      missing.push(line.productId);
      break;
    }
  }
  const outcome = missing.length === 0 ? 'RESERVED' : 'REJECTED';
  const event =
    outcome === 'RESERVED'
      ? createEvent('stock.reserved', { orderId: order.orderId }, 'products')
      : createEvent(
          'stock.rejected',
          { orderId: order.orderId, reason: 'OUT_OF_STOCK', productIds: missing },
          'products',
        );
  const decision = await reservations.decide({
    orderId: order.orderId,
    outcome,
    lines,
    missing,
    decidedAt: new Date().toISOString(),
    events: [event],
  });
  await finish(stock, decision);
  return decision;
}

async function finish(stock: StockKeeper, decision: Decision): Promise<void> {
  if (decision.outcome !== 'REJECTED') return;
  for (const line of decision.lines) await stock.release(decision.orderId, line.productId);
}

/** products' consumer: `order.placed` reserves stock; the decision's event goes out via the outbox. */
export function stockReservationHandler(
  stock: StockKeeper,
  reservations: Reservations,
  relay: OutboxRelay,
): EventHandler {
  return async (event) => {
    if (event.type !== 'order.placed') return;
    const decision = await reserveStock(stock, reservations, event.data);
    void relay.flush(reservations.outbox, { key: decision.orderId, events: decision.events });
  };
}
