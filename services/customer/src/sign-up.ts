import { uuidv7 } from '@platform/shared/ids';
import { type Customer, roleFor } from './domain.ts';
import type { CustomerDeps, CustomerStores } from './ports.ts';

/** A new account (its password hashed), admin when ADMIN_EMAILS lists the email. */
export async function signUp(
  stores: CustomerStores,
  deps: CustomerDeps,
  adminEmails: readonly string[],
  input: { email: string; password: string; phone?: string | undefined },
): Promise<Customer | 'email_taken'> {
  const customer: Customer = {
    id: uuidv7(),
    email: input.email,
    passwordHash: await deps.hasher.hash(input.password),
    phone: input.phone ?? null,
    role: roleFor(input.email, adminEmails),
    addresses: [],
    wishlist: [],
    createdAt: new Date().toISOString(),
  };
  return (await stores.customers.create(customer)) === 'created' ? customer : 'email_taken';
}
