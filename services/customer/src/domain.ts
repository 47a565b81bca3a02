import type { Role } from '@platform/shared/auth';
import type { EventData, OrderLine } from '@platform/shared/events';
import { text } from '@platform/shared/schemas';
import * as z from 'zod';
import { passwordProblem } from './password-policy.ts';

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

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED';

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

export const MAX_ADDRESSES = 20;
export const MAX_WISHLIST = 500;
/** Entries GET /orders returns, newest first. */
export const HISTORY_LIMIT = 1000;

/**
 * One plain pattern, the same in the published schema and here (zod's email check and JSON
 * Schema's `format: email` disagree at the edges). Case is folded after validation: the address
 * is stored and compared in lower case.
 */
const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}$/;
const email = z
  .string()
  .max(254)
  .regex(EMAIL, 'must be an email address such as ann@example.com')
  .transform((s) => s.toLowerCase());

/** Any Unicode text but unpaired surrogates (not text at all; NFKC would mangle them). */
const passwordText = z
  .string()
  .max(256)
  .refine((s) => s.isWellFormed(), 'must be valid Unicode text');

export const signupBody = z
  .strictObject({
    email,
    password: passwordText.min(8, 'must be at least 8 characters'),
    phone: z
      .string()
      .regex(/^\+?[0-9][0-9 ()-]{4,24}$/, 'must be a phone number such as +49 30 1234567')
      .optional(),
  })
  .superRefine((body, ctx) => {
    if (body.password.length < 8) return; // said by the field's own rule
    const problem = passwordProblem(body.password, body.email);
    if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem });
  });

export const loginBody = z.strictObject({
  email: z
    .string()
    .max(254)
    .transform((s) => s.trim().toLowerCase()),
  password: passwordText,
});

export const addressBody = z.strictObject({
  street: text(200),
  postalCode: text(20),
  city: text(100),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'must be a two-letter country code (ISO 3166-1 alpha-2)')
    .transform((s) => s.toUpperCase()),
});

export const productIdParams = z.strictObject({ productId: z.uuid({ message: 'must be a UUID' }) });

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

/** The history entry an `order.placed` event describes. */
export function placedSummary(data: EventData<'order.placed'>): OrderSummary {
  return {
    orderId: data.orderId,
    customerId: data.customerId,
    status: 'PENDING',
    totalCents: data.totalCents,
    items: data.items,
    placedAt: data.placedAt,
    updatedAt: data.placedAt,
  };
}
