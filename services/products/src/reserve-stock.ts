import { createEvent, type EventData } from '@platform/shared/events';
import { byCodeUnits } from '@platform/shared/ids';
import type { Decision, ReservationLine, Reservations } from './ports.ts';
import type { StockKeeper } from './stock-keeper.ts';

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
 * 1. Reserve line by line (`<order>:<product>:reserve` moves); stop at the first line short of
 *    stock. A move made before (a redelivered order) is found by its opKey and not made again.
 * 2. Store the decision, RESERVED or REJECTED, with its event, unless one exists (an earlier
 *    delivery or a concurrent duplicate decided first: that decision counts, and its event was
 *    written with it).
 * 3. Finish: a REJECTED order gives back every line it took (`:release` moves, once each). Every
 *    path runs this after deciding, so whatever a duplicate took meanwhile is given back too.
 *
 * A crash anywhere leaves the message unacknowledged; its redelivery replays these steps against
 * the ledger and the decision, which are the whole state. The common path reads nothing: it
 * inserts one move per line and the decision.
 */
export async function reserveStock(
  stock: StockKeeper,
  reservations: Reservations,
  order: EventData<'order.placed'>,
): Promise<Decision> {
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
  // The reply carries what shopping needs to settle the order, so that it need not read it back.
  const echo = {
    orderId: order.orderId,
    customerId: order.customerId,
    totalCents: order.totalCents,
    placedAt: order.placedAt,
  };
  const event =
    outcome === 'RESERVED'
      ? createEvent('stock.reserved', echo, 'products')
      : createEvent('stock.rejected', { ...echo, reason: 'OUT_OF_STOCK', productIds: missing }, 'products');
  const decision = await reservations.decide(
    { orderId: order.orderId, outcome, lines, missing, decidedAt: new Date().toISOString() },
    [event],
  );
  await finish(stock, decision);
  return decision;
}

async function finish(stock: StockKeeper, decision: Decision): Promise<void> {
  if (decision.outcome !== 'REJECTED') return;
  for (const line of decision.lines) await stock.release(decision.orderId, line.productId);
}
