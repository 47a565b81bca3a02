import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { sleep } from '@platform/shared/async';
import { unavailable } from '@platform/shared/errors';

/**
 * scrypt from node:crypto (no native addon) at OWASP's recommended parameters: N=2^17, r=8, p=1.
 * Each hash takes 128 MiB and a few hundred ms of one core, so at most two run at once, and at
 * most `maxWaiting` wait for their turn: past that, a burst of sign-ins is told to come back
 * (503 + Retry-After) instead of growing a queue that answers everyone late. Parameters are stored
 * with the hash (`scrypt$N$r$p$salt$hash`), so they can be raised later without invalidating old
 * hashes.
 */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const OWASP_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };
const KEY_LENGTH = 32;

export interface HasherOptions {
  params?: ScryptParams;
  /** Hashes computed at once. */
  concurrency?: number;
  /** Hashes waiting for their turn; beyond, 503. */
  maxWaiting?: number;
}

export class PasswordHasher {
  readonly params: ScryptParams;
  readonly #concurrency: number;
  readonly #maxWaiting: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  /** Smoothed duration of one hash (without its wait), for the decoy delay. */
  #typicalMs: number | undefined;

  constructor(o: HasherOptions = {}) {
    this.params = o.params ?? OWASP_SCRYPT;
    this.#concurrency = o.concurrency ?? 2;
    this.#maxWaiting = o.maxWaiting ?? 16;
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await this.#derive(password, salt, this.params, KEY_LENGTH);
    return [
      'scrypt',
      this.params.N,
      this.params.r,
      this.params.p,
      salt.toString('base64'),
      key.toString('base64'),
    ].join('$');
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const [scheme, N, r, p, salt, key] = stored.split('$');
    if (scheme !== 'scrypt' || !N || !r || !p || !salt || !key) return false;
    const expected = Buffer.from(key, 'base64');
    const actual = await this.#derive(password, Buffer.from(salt, 'base64'), { N: +N, r: +r, p: +p }, expected.length);
    return timingSafeEqual(actual, expected);
  }

  /**
   * Takes as long as checking a password would, without computing anything: login answers an
   * unknown email after this, so timing does not tell which emails exist, and a flood of made-up
   * emails costs no CPU. Until a real hash has been timed, one is computed (once).
   */
  async decoy(): Promise<void> {
    if (this.#typicalMs === undefined) {
      await this.hash(randomBytes(16).toString('hex'));
      return;
    }
    const queued = this.#waiting.length / this.#concurrency;
    await sleep(this.#typicalMs * (1 + queued) * (0.9 + Math.random() * 0.2));
  }

  async #derive(password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
    if (this.#active >= this.#concurrency) {
      if (this.#waiting.length >= this.#maxWaiting) {
        throw unavailable('too many sign-ins at once; retry shortly', 1);
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#active++;
    const started = performance.now();
    try {
      const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
      const key = await new Promise<Buffer>((resolve, reject) =>
        scrypt(password.normalize('NFKC'), salt, length, options, (err, k) => (err ? reject(err) : resolve(k))),
      );
      const ms = performance.now() - started;
      this.#typicalMs = this.#typicalMs === undefined ? ms : this.#typicalMs * 0.8 + ms * 0.2;
      return key;
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }
}
