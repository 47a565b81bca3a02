/**
 * Admission that follows the real capacity of an asynchronous pipeline (the order saga): new work
 * is let in while the work already in the pipeline finishes in time, and refused at once, before
 * it costs anything, when it would only queue.
 *
 * Two signals, one fast and one true:
 *  - the backlog: messages waiting in the pipeline's queues, sampled every `sampleMs`. Work is
 *    refused while the backlog is above a limit;
 *  - the lag: how long finished work took from admission to its end (`observe`). The backlog
 *    limit follows it: lowered by a third when the window's p90 lag is above `targetLagMs`, raised
 *    a step at a time when the lag is well below it and the limit was what refused work.
 * A pipeline that keeps up never meets the limit. Per process: with N replicas each keeps its
 * own limit on the shared backlog, which they all see.
 */
export interface AdmissionOptions {
  /** The lag finished work should stay under; the p99 then lands near twice this. */
  targetLagMs: number;
  /** Messages waiting in the pipeline's queues (all replicas' work together). */
  backlog: () => Promise<number>;
  sampleMs?: number;
  windowMs?: number;
  /** Bounds and start of the backlog limit. */
  minLimit?: number;
  maxLimit?: number;
}

export class AdmissionControl {
  readonly #o: Required<AdmissionOptions>;
  #limit: number;
  #backlog = 0;
  #lags: number[] = [];
  #refusedByLimit = false;
  #timer: NodeJS.Timeout | undefined;
  #windowStart = Date.now();

  constructor(options: AdmissionOptions) {
    this.#o = { sampleMs: 100, windowMs: 1_000, minLimit: 4, maxLimit: 200, ...options };
    // A pipeline that keeps up has a handful of messages waiting at most; starting well below the
    // ceiling keeps the first second of an overload from queueing more than it can finish in time.
    this.#limit = Math.min(this.#o.maxLimit, 40);
  }

  start(): void {
    if (this.#timer) return;
    const sample = async () => {
      try {
        this.#backlog = await this.#o.backlog();
      } catch {
        // the broker is away: the last sample stands; the outbox holds what cannot be published
      }
      if (Date.now() - this.#windowStart >= this.#o.windowMs) this.#adjust();
      this.#timer = setTimeout(sample, this.#o.sampleMs);
      this.#timer.unref();
    };
    void sample();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Seconds to wait when the work is refused; 0 when it is let in. */
  admit(): number {
    if (this.#backlog < this.#limit) return 0;
    this.#refusedByLimit = true;
    return 1;
  }

  /** A unit of work finished, `lagMs` after it was let in. */
  observe(lagMs: number): void {
    if (Number.isFinite(lagMs) && lagMs >= 0) this.#lags.push(lagMs);
  }

  /** For tests and logs: the current backlog limit and the last sampled backlog. */
  get state() {
    return { limit: this.#limit, backlog: this.#backlog };
  }

  #adjust(): void {
    const lags = this.#lags.sort((a, b) => a - b);
    const p90 = lags[Math.floor(lags.length * 0.9)];
    if (p90 !== undefined && p90 > this.#o.targetLagMs) {
      // Too slow: cut the backlog let in, in proportion to how far over the lag is.
      const cut = Math.max(0.5, Math.min(0.7, this.#o.targetLagMs / p90));
      this.#limit = Math.max(this.#o.minLimit, Math.floor(Math.min(this.#limit, this.#backlog + 1) * cut));
    } else if (this.#refusedByLimit && (p90 === undefined || p90 < this.#o.targetLagMs / 2)) {
      this.#limit = Math.min(this.#o.maxLimit, this.#limit + Math.max(2, Math.ceil(this.#limit * 0.1)));
    }
    this.#lags = [];
    this.#refusedByLimit = false;
    this.#windowStart = Date.now();
  }
}
