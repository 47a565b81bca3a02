import type { Address, Customer, OrderOutcome, OrderSummary, PlacedOrder } from './domain.ts';
import type { LoginGuard } from './login-guard.ts';
import type { PasswordHasher } from './passwords.ts';

export interface CustomerStore {
  /** Creates the unique email index and whatever else the store needs; run at start. */
  init(): Promise<void>;
  /** `email_taken` when another customer has this (normalised) email. */
  create(customer: Customer): Promise<'created' | 'email_taken'>;
  findByEmail(email: string): Promise<Customer | null>;
  findById(id: string): Promise<Customer | null>;
  setRole(id: string, role: Customer['role']): Promise<void>;
  /** Adds unless the customer already has `max` addresses. */
  addAddress(customerId: string, address: Address, max: number): Promise<'added' | 'not_found' | 'limit'>;
  /** Idempotent; `limit` when the wishlist is full and the product is not on it. */
  addToWishlist(customerId: string, productId: string, max: number): Promise<'added' | 'not_found' | 'limit'>;
  /** Idempotent. */
  removeFromWishlist(customerId: string, productId: string): Promise<'removed' | 'not_found'>;
}

/**
 * The order history, fed by events that may arrive twice or out of order: a final status
 * (CONFIRMED, REJECTED) is never replaced, and the details of `order.placed` fill in an entry
 * that an early `order.confirmed` created.
 */
export interface OrderHistory {
  init(): Promise<void>;
  recordPlaced(placed: PlacedOrder): Promise<void>;
  recordOutcome(outcome: OrderOutcome): Promise<void>;
  /** Newest first. */
  listForCustomer(customerId: string): Promise<OrderSummary[]>;
}

/** What customer's routes and handlers work with. */
export interface CustomerStores {
  customers: CustomerStore;
  history: OrderHistory;
}

/** Collaborators built once at start; tests give a cheaper hasher. */
export interface CustomerDeps {
  hasher: PasswordHasher;
  guard: LoginGuard;
}
