import { BoundedMap, FailureBackoff, isLoopback, RateLimiter } from '@platform/shared/throttle';

/**
 * Throttles password guessing and sign-up floods (docs/SECURITY.md, "Sign-in abuse"):
 *
 * - per account and client address: 5 failed attempts are free, then each further one makes that
 *   pair wait 1 s, 2 s, 4 s ... at most 60 s. Guessing one account from one address slows to one
 *   try a minute, while the account's owner elsewhere is not affected at all;
 * - per account, from any address: 20 free, then the same backoff (a guesser spread over many
 *   addresses);
 * - per address, over all accounts: 50 free, then up to 5 minutes (one address trying many
 *   accounts: credential stuffing).
 * An address the account last signed in from successfully is spared the account-wide and the
 * address-wide waits: its owner keeps signing in while someone else is guessing. Attempts still
 * being checked count as failures until they are known, so a burst of concurrent guesses cannot
 * slip past the limit. Addresses on the loopback interface are local processes, never a proxied
 * client (see isLoopback): the per-address limits skip them, the per-account ones do not.
 *
 * State lives in the task's memory: N tasks allow N times as much, which still bounds the work.
 */
const FAILURES_FORGOTTEN_MS = 15 * 60_000;
const KNOWN_ADDRESSES_PER_ACCOUNT = 5;

export class LoginGuard {
  readonly #pair = new FailureBackoff({ free: 5, baseMs: 1000, maxMs: 60_000, windowMs: FAILURES_FORGOTTEN_MS });
  readonly #account = new FailureBackoff({ free: 20, baseMs: 1000, maxMs: 60_000, windowMs: FAILURES_FORGOTTEN_MS });
  readonly #address = new FailureBackoff({ free: 50, baseMs: 1000, maxMs: 300_000, windowMs: FAILURES_FORGOTTEN_MS });
  /** Accounts an address may create: 10 at once, then one every 6 minutes. */
  readonly #signups = new RateLimiter({ perSecond: 1 / 360, burst: 10 });
  readonly #known = new BoundedMap<string[]>(100_000);
  readonly #pending = new Map<string, number>();

  /**
   * Milliseconds before `email` may be tried from `address` (0: now). When 0, the attempt is
   * counted as pending until `failed` or `succeeded` reports it.
   */
  begin(email: string, address: string): number {
    const pair = `${email}\n${address}`;
    const known = this.#known.get(email)?.includes(address) ?? false;
    const local = isLoopback(address);
    const waits = [
      this.#pair.waitMs(pair, Date.now(), this.#pendingCount(pair)),
      known ? 0 : this.#account.waitMs(email, Date.now(), this.#pendingCount(email)),
      known || local ? 0 : this.#address.waitMs(address, Date.now(), this.#pendingCount(address)),
    ];
    const wait = Math.max(...waits);
    if (wait === 0) for (const key of [pair, email, address]) this.#pending.set(key, this.#pendingCount(key) + 1);
    return wait;
  }

  failed(email: string, address: string): void {
    const pair = `${email}\n${address}`;
    this.#settle(email, address);
    this.#pair.fail(pair);
    this.#account.fail(email);
    if (!isLoopback(address)) this.#address.fail(address);
  }

  succeeded(email: string, address: string): void {
    this.#settle(email, address);
    this.#pair.succeed(`${email}\n${address}`);
    this.#account.succeed(email);
    const known = (this.#known.get(email) ?? []).filter((a) => a !== address);
    this.#known.set(email, [address, ...known].slice(0, KNOWN_ADDRESSES_PER_ACCOUNT));
  }

  /** The attempt ended without an answer on the password (e.g. the hashing queue was full). */
  abandoned(email: string, address: string): void {
    this.#settle(email, address);
  }

  /** Milliseconds before `address` may create another account (0: now, and it is counted). */
  signupWaitMs(address: string): number {
    return isLoopback(address) ? 0 : this.#signups.take(address);
  }

  #pendingCount(key: string): number {
    return this.#pending.get(key) ?? 0;
  }

  #settle(email: string, address: string): void {
    for (const key of [`${email}\n${address}`, email, address]) {
      const left = this.#pendingCount(key) - 1;
      if (left > 0) this.#pending.set(key, left);
      else this.#pending.delete(key);
    }
  }
}
