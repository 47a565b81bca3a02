import { isIP } from 'node:net';
import { BoundedMap } from './bounded-map.ts';

export { BoundedMap };

/**
 * In-process throttles for abuse that costs us more than it costs the caller (password guessing,
 * sign-up floods, write floods). Per task: with N tasks behind the load balancer a caller gets up
 * to N times the budget, which still bounds the work per task. Memory is bounded: past `maxKeys`
 * the least recently touched key is forgotten.
 */
export interface BackoffOptions {
  /** Failures allowed before any wait. */
  free: number;
  /** First wait; doubles with every further failure. */
  baseMs: number;
  /** Longest wait: an attacker can never lock a key for longer than this after its last failure. */
  maxMs: number;
  /** Failures older than this (since the last one) are forgotten. */
  windowMs: number;
  maxKeys?: number;
}

/**
 * Exponential backoff after repeated failures per key: `free` failures cost nothing, then each
 * further one makes the key wait baseMs, 2 x baseMs, ... up to maxMs. A success clears the key.
 */
export class FailureBackoff {
  readonly #o: Required<BackoffOptions>;
  readonly #failures: BoundedMap<{ count: number; last: number }>;

  constructor(o: BackoffOptions) {
    this.#o = { maxKeys: 100_000, ...o };
    this.#failures = new BoundedMap(this.#o.maxKeys);
  }

  /**
   * Milliseconds `key` must still wait; 0 when it may try now. `pending` attempts, still being
   * checked, count as failures: once they alone would use up the free ones, the next waits.
   */
  waitMs(key: string, now = Date.now(), pending = 0): number {
    let entry = this.#failures.get(key);
    if (entry && now - entry.last > this.#o.windowMs) {
      this.#failures.delete(key);
      entry = undefined;
    }
    const over = (entry?.count ?? 0) + pending - this.#o.free;
    if (over < 0) return 0;
    const wait = Math.min(this.#o.maxMs, this.#o.baseMs * 2 ** Math.min(over, 30));
    return Math.max(pending > 0 ? this.#o.baseMs : 0, (entry?.last ?? now) + wait - now);
  }

  fail(key: string, now = Date.now()): void {
    const entry = this.#failures.get(key);
    const fresh = !entry || now - entry.last > this.#o.windowMs;
    this.#failures.set(key, { count: fresh ? 1 : entry.count + 1, last: now });
  }

  succeed(key: string): void {
    this.#failures.delete(key);
  }
}

export interface RateOptions {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: how many may come at once. */
  burst: number;
  maxKeys?: number;
}

/** A token bucket per key. */
export class RateLimiter {
  readonly #o: Required<RateOptions>;
  readonly #buckets: BoundedMap<{ tokens: number; at: number }>;

  constructor(o: RateOptions) {
    this.#o = { maxKeys: 100_000, ...o };
    this.#buckets = new BoundedMap(this.#o.maxKeys);
  }

  /** Takes a token: 0 when there was one, otherwise the milliseconds until there is. */
  take(key: string, now = Date.now()): number {
    const bucket = this.#buckets.get(key) ?? { tokens: this.#o.burst, at: now };
    const tokens = Math.min(this.#o.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#o.perSecond);
    if (tokens >= 1) {
      this.#buckets.set(key, { tokens: tokens - 1, at: now });
      return 0;
    }
    this.#buckets.set(key, { tokens, at: now });
    return Math.ceil(((1 - tokens) / this.#o.perSecond) * 1000);
  }
}

/**
 * The client's address: with `trustedHops` proxies in front (the ALB is 1; CloudFront and the
 * ALB 2; nginx in compose 1), the address the outermost of them saw, read from the right of
 * X-Forwarded-For (entries further left are whatever the client chose to send); without proxies,
 * the peer of the TCP connection.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | undefined, trustedHops: number) {
  if (trustedHops > 0 && forwardedFor) {
    const hops = forwardedFor.split(',').map((s) => s.trim());
    const candidate = hops[hops.length - trustedHops];
    if (candidate && isIP(candidate)) return normaliseAddress(candidate);
  }
  return normaliseAddress(peer ?? 'unknown');
}

const normaliseAddress = (address: string) => (address.startsWith('::ffff:') ? address.slice(7) : address);

/**
 * This machine. Traffic through a load balancer or proxy is never seen as loopback (the proxy's
 * X-Forwarded-For names the client), so a loopback client is a local process: a developer, a
 * test, a health check. Per-address limits leave it alone; per-account limits still apply.
 */
export const isLoopback = (address: string) => address === '::1' || /^127\./.test(address);
