import type { Role } from '@platform/shared/auth';
import type { EventData, FinalOrderStatus, OrderLine, OrderStatus } from '@platform/shared/events';
import { byCodeUnits } from '@platform/shared/ids';

export interface Address {
  id: string;
  street: string;
  postalCode: string;
  city: string;
  country: string;
}

export interface Customer {
  id: string;
  email: string;
  passwordHash: string;
  phone: string | null;
  role: Role;
  addresses: Address[];
  wishlist: string[];
  createdAt: string;
}

/** One line of the customer's order history, kept up to date from the order events. */
export interface OrderSummary {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  totalCents: number;
  items: OrderLine[];
  placedAt: string;
  updatedAt: string;
}

/** An order's final status, as `order.confirmed` / `order.rejected` tell it. */
export interface OrderOutcome {
  orderId: string;
  customerId: string;
  status: FinalOrderStatus;
  totalCents?: number;
  at: string;
}

/** What `order.placed` tells the history. */
export interface PlacedOrder {
  orderId: string;
  customerId: string;
  totalCents: number;
  items: OrderLine[];
  placedAt: string;
}

export const MAX_ADDRESSES = 20;
export const MAX_WISHLIST = 500;
/** Entries GET /orders returns, newest first. */
export const HISTORY_LIMIT = 1000;

/**
 * Role at sign-up and login: admin exactly while the email is listed in ADMIN_EMAILS. The list is
 * the only source: an address taken off it signs in as a customer from then on (and its admin
 * tokens stop counting everywhere, see authenticate).
 */
export function roleFor(emailAddress: string, adminEmails: readonly string[]): Role {
  return adminEmails.includes(emailAddress.toLowerCase()) ? 'admin' : 'customer';
}

export function publicProfile(c: Customer) {
  return { id: c.id, email: c.email, phone: c.phone, role: c.role, addresses: c.addresses, wishlist: c.wishlist };
}

/** The history fact an `order.placed` event describes. */
export function placedOrder(data: EventData<'order.placed'>): PlacedOrder {
  return {
    orderId: data.orderId,
    customerId: data.customerId,
    totalCents: data.totalCents,
    items: data.items,
    placedAt: data.placedAt,
  };
}

/** One summary per order, newest first: details from the placed fact, status from the outcome. */
export function mergeHistory(placed: PlacedOrder[], outcomes: OrderOutcome[]): OrderSummary[] {
  const byId = new Map(outcomes.map((o) => [o.orderId, o]));
  const summaries: OrderSummary[] = placed.map((p) => {
    const outcome = byId.get(p.orderId);
    byId.delete(p.orderId);
    return { ...p, status: outcome?.status ?? 'PENDING', updatedAt: outcome?.at ?? p.placedAt };
  });
  for (const o of byId.values()) {
    // The outcome overtook order.placed: shown with what is known until the details arrive.
    summaries.push({
      orderId: o.orderId,
      customerId: o.customerId,
      status: o.status,
      totalCents: o.totalCents ?? 0,
      items: [],
      placedAt: o.at,
      updatedAt: o.at,
    });
  }
  return summaries
    .sort((a, b) => byCodeUnits(b.placedAt, a.placedAt) || byCodeUnits(b.orderId, a.orderId))
    .slice(0, HISTORY_LIMIT);
}
