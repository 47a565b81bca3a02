import { percentile } from './metrics.ts';

/**
 * Admission that follows the real capacity of an asynchronous pipeline (the order saga): new work
 * is let in while the work already in the pipeline finishes in time, and refused at once, before
 * it costs anything, when it would only queue.
 *
 * What is in the pipeline, seen two ways, against one limit (for the first, never below inFlightFloor):
 *  - in flight here: the work this process let in and has not seen finish (`observe`), counted at
 *    once, so a burst meets the limit before any queue shows it (messages a consumer has taken
 *    but not yet acknowledged, up to its prefetch, are in no queue's count);
 *  - the backlog: messages waiting in the pipeline's queues (all replicas' work), sampled every
 *    `sampleMs` while work arrives (not while the service is idle).
 * The limit follows the lag, how long finished work took from admission to its end: cut when the
 * window's p90 lag is above `targetLagMs`, raised when the lag is well below it and the limit was
 * what refused work. It starts low and grows, so the first second of an overload cannot let in
 * more than the pipeline finishes in time. A pipeline that keeps up never meets the limit.
 * Per process: with N replicas each keeps its own limit and in-flight count on the shared backlog.
 */
export interface AdmissionOptions {
  /** The lag finished work should stay under; the p99 then lands near twice this. */
  targetLagMs: number;
  /** Messages waiting in the pipeline's queues (all replicas' work together). */
  backlog: () => Promise<number>;
  sampleMs?: number;
  windowMs?: number;
  /** Bounds and start of the limit. */
  minLimit?: number;
  maxLimit?: number;
  startLimit?: number;
  /**
   * Work in flight here is refused only from this many on, whatever the limit: a burst of orders
   * on a quiet pipeline gets in after an incident cut the limit to its floor (the backlog still
   * meets that limit if the pipeline is slow).
   */
  inFlightFloor?: number;
}

export class AdmissionControl {
  readonly #o: Required<AdmissionOptions>;
  #limit: number;
  #backlog = 0;
  #lags: number[] = [];
  #refusedByLimit = false;
  #started = false;
  #timer: NodeJS.Timeout | undefined;
  #windowStart = Date.now();
  /** When work was last offered: the backlog is sampled while it is recent. */
  #demandAt = 0;
  /** When each unit in flight here was let in, oldest first. */
  #inFlight: number[] = [];

  constructor(options: AdmissionOptions) {
    this.#o = {
      sampleMs: 100,
      windowMs: 1_000,
      minLimit: 4,
      maxLimit: 200,
      startLimit: 16,
      inFlightFloor: 16,
      ...options,
    };
    this.#limit = Math.max(this.#o.minLimit, Math.min(this.#o.maxLimit, this.#o.startLimit));
  }

  start(): void {
    this.#started = true;
    this.#demandAt = Date.now(); // one round of samples now: a restart may find a backlog
    this.#sampleSoon();
  }

  stop(): void {
    this.#started = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Samples the backlog every sampleMs while work was offered within the last two windows. */
  #sampleSoon(): void {
    if (!this.#started || this.#timer) return;
    const sample = async () => {
      try {
        this.#backlog = await this.#o.backlog();
      } catch {
        // the broker is away: the last sample stands; the outbox holds what cannot be published
      }
      const now = Date.now();
      if (now - this.#windowStart >= this.#o.windowMs) this.#adjust();
      this.#timer = undefined;
      this.#expire(now);
      const idle = now - this.#demandAt > 2 * this.#o.windowMs && this.#inFlight.length === 0;
      if (!this.#started || (idle && this.#backlog === 0)) return;
      this.#timer = setTimeout(sample, this.#o.sampleMs);
      this.#timer.unref();
    };
    this.#timer = setTimeout(sample, 0);
    this.#timer.unref();
  }

  /**
   * Seconds to wait when the work is refused; 0 when it is let in, and then counted in flight
   * until `observe` (or `abandon`, if the work turns out not to enter the pipeline after all).
   */
  admit(): number {
    const now = Date.now();
    this.#demandAt = now;
    this.#sampleSoon();
    this.#expire(now);
    if (this.#backlog >= this.#limit || this.#inFlight.length >= Math.max(this.#limit, this.#o.inFlightFloor)) {
      this.#refusedByLimit = true;
      return 1;
    }
    this.#inFlight.push(now);
    return 0;
  }

  /**
   * Work not seen to finish within ten target lags finished elsewhere (another replica settled it)
   * or is very late, which the lag has already told: it no longer counts here.
   */
  #expire(now: number): void {
    const horizon = now - 10 * this.#o.targetLagMs;
    while (this.#inFlight.length > 0 && (this.#inFlight[0] ?? now) < horizon) this.#inFlight.shift();
  }

  /** Work let in by `admit` did not enter the pipeline (an empty cart, a retried order). */
  abandon(): void {
    this.#inFlight.pop();
  }

  /** A unit of work finished, `lagMs` after it was let in. */
  observe(lagMs: number): void {
    if (!Number.isFinite(lagMs) || lagMs < 0) return;
    this.#lags.push(lagMs);
    this.#inFlight.shift();
  }

  /** For tests and logs: the limit, the last sampled backlog and the work in flight here. */
  get state() {
    return { limit: this.#limit, backlog: this.#backlog, inFlight: this.#inFlight.length };
  }

  #adjust(): void {
    const p90 = percentile(this.#lags, 0.9);
    if (p90 !== undefined && p90 > this.#o.targetLagMs) {
      // Too slow: cut the backlog let in, in proportion to how far over the lag is.
      const cut = Math.max(0.5, Math.min(0.7, this.#o.targetLagMs / p90));
      const load = Math.max(this.#backlog, this.#inFlight.length) + 1;
      this.#limit = Math.max(this.#o.minLimit, Math.floor(Math.min(this.#limit, load) * cut));
    } else if (this.#refusedByLimit && (p90 === undefined || p90 < this.#o.targetLagMs / 2)) {
      // well on time: grow by a quarter, from a low start to what a large pipeline needs in seconds
      this.#limit = Math.min(this.#o.maxLimit, this.#limit + Math.max(2, Math.ceil(this.#limit * 0.25)));
    }
    this.#lags = [];
    this.#refusedByLimit = false;
    this.#windowStart = Date.now();
  }
}
