import { type Customer, roleFor } from './domain.ts';
import type { CustomerDeps, CustomerStores } from './ports.ts';

/**
 * Checks a password, under the login guard (login-guard.ts): `throttled` with the wait when the
 * account, the address or both have failed too often; `invalid` alike for an unknown email and a
 * wrong password (an unknown email waits as long as a check would, so timing tells nothing). The
 * role is set from ADMIN_EMAILS at every login: the list is the only source.
 */
export async function logIn(
  stores: CustomerStores,
  deps: CustomerDeps,
  adminEmails: readonly string[],
  input: { email: string; password: string; address: string },
): Promise<Customer | 'invalid' | { throttledMs: number }> {
  const { email, password, address } = input;
  const waitMs = deps.guard.begin(email, address);
  if (waitMs > 0) return { throttledMs: waitMs };
  let customer: Customer | null;
  let ok = false;
  try {
    customer = await stores.customers.findByEmail(email);
    if (customer) ok = await deps.hasher.verify(password, customer.passwordHash);
    else await deps.hasher.decoy();
  } catch (err) {
    deps.guard.abandoned(email, address);
    throw err;
  }
  if (!customer || !ok) {
    deps.guard.failed(email, address);
    return 'invalid';
  }
  deps.guard.succeeded(email, address);
  const role = roleFor(customer.email, adminEmails);
  if (role !== customer.role) await stores.customers.setRole(customer.id, role);
  return { ...customer, role };
}
