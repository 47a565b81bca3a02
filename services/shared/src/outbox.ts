import { InFlight, sleep } from './async.ts';
import type { EventBus } from './bus.ts';
import type { DomainEvent, EventType } from './events.ts';
import type { Logger } from './log.ts';

/**
 * The outbox: a write that changes state and must announce it stores the pending events in the
 * same document, in the same single-document write (atomic on MongoDB, DocumentDB and FerretDB,
 * no transaction needed). The relay publishes them with publisher confirms and only then removes
 * them. A crash or a broker outage in between leaves them in place for the next pass, so an event
 * is published at least once and never for a write that failed; consumers are idempotent.
 */

/** A document with pending events. */
export interface OutboxEntry {
  key: string;
  events: DomainEvent[];
}

/**
 * One collection whose documents carry an outbox (fields `outbox` and `outboxDueAt`). The
 * documents are facts, written once with their events: nothing appends to an outbox later.
 */
export interface OutboxStore {
  readonly name: string;
  /**
   * Takes up to `limit` documents whose events are due and moves their due time `leaseMs` ahead,
   * so that other relays (other replicas) leave them alone meanwhile.
   */
  claimDue(limit: number, leaseMs: number): Promise<OutboxEntry[]>;
  /**
   * Removes these events (confirmed by the broker) from the document's outbox; `all` says they
   * were all of its events, which clears the outbox and its due time in one write.
   */
  markSent(key: string, events: DomainEvent[], all: boolean): Promise<void>;
  /** Stores at once the marks a store gathers to write together (see SENT_BATCH_MS); optional. */
  flushSent?(): Promise<void>;
  /**
   * The events waiting to be published (counted over at most PENDING_LOOK_AT documents) and when
   * the oldest of them occurred: the outbox's age, which a broker outage or a stuck relay raises.
   */
  pending(): Promise<PendingEvents>;
}

export interface PendingEvents {
  events: number;
  /** Epoch ms of the oldest pending event's occurredAt. */
  oldestAt: number | undefined;
}

/** Documents read to answer `pending()`: enough to see a backlog, few enough to stay cheap. */
export const PENDING_LOOK_AT = 1_000;

/** Adds `events` to a running summary. */
export function addPending(summary: PendingEvents, events: readonly DomainEvent[]): PendingEvents {
  let oldestAt = summary.oldestAt;
  for (const e of events) {
    const at = Date.parse(e.occurredAt);
    if (oldestAt === undefined || at < oldestAt) oldestAt = at;
  }
  return { events: summary.events + events.length, oldestAt };
}

/**
 * Where a collection written with events reports to (see MongoEventCollection, MemoryEventTable):
 * the relay publishes a write's events as soon as the write succeeded.
 */
export interface EventSink {
  /** Throws unless every event is of a type the service declared it publishes. */
  check(events: DomainEvent[]): void;
  /** The write of `key` with `events` is stored: publish them now. */
  written(key: string, events: DomainEvent[]): void;
}

/**
 * How long a fresh outbox entry is left to the write's own immediate publish (`flush`) before the
 * poller considers it stuck and publishes it.
 */
export const OUTBOX_GRACE_MS = 5_000;
const LEASE_MS = 30_000;
const RETRY_PARALLEL = 32;
const BATCH = 100;

export interface OutboxRelayOptions {
  bus: EventBus;
  logger: Logger;
  /** How often this process retries the events it could not publish (broker down). */
  pollMs: number;
  /**
   * How often the stores are searched for events nobody is retrying: left by a process that died
   * between its write and its publish (this one before a restart, or another replica). Also done
   * once at start. A search reads every outbox collection, which MongoDB and DocumentDB answer
   * from the outboxDueAt index but FerretDB 1.x only by reading the collection: seconds, not
   * milliseconds, apart.
   */
  scanMs?: number;
}

export class OutboxRelay {
  readonly #o: OutboxRelayOptions;
  readonly #stores: OutboxStore[] = [];
  readonly #flushing = new InFlight();
  /** Marks as sent still being written (gathered by the store); nothing waits on them. */
  readonly #marking = new InFlight();
  /** Entries this process wrote but could not publish yet, retried every pollMs. */
  readonly #unsent = new Map<string, { store: OutboxStore; entry: OutboxEntry }>();
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  /** Cuts the poller's wait short: the broker is back, what waited for it goes out at once. */
  #wake = new AbortController();

  constructor(options: OutboxRelayOptions) {
    this.#o = options;
    options.bus.onConnected(() => this.#wake.abort());
  }

  /** Adds a collection whose outbox the poller watches. */
  register(store: OutboxStore): OutboxStore {
    this.#stores.push(store);
    return store;
  }

  /**
   * Registers `store` and answers the sink its writes report to: each write's events are
   * published at once, and only events of the `publishes` types may be written at all.
   */
  sinkFor(store: OutboxStore, publishes: readonly EventType[]): EventSink {
    this.register(store);
    const allowed = new Set<string>(publishes);
    return {
      check: (events) => {
        const stray = events.find((e) => !allowed.has(e.type));
        if (stray)
          throw new Error(`${stray.type} is not among the events this service publishes (${publishes.join(', ')})`);
      },
      written: (key, events) => void this.flush(store, { key, events }),
    };
  }

  /**
   * Publishes events a write has just stored, without waiting for the next poll. Never throws:
   * whatever it cannot publish now stays in the outbox, and this process retries it.
   */
  flush(store: OutboxStore, entry: OutboxEntry): Promise<void> {
    return this.#flushing.track(
      this.#publish(store, entry).then((sent) => {
        if (sent < entry.events.length) {
          this.#unsent.set(`${store.name}/${entry.key}`, {
            store,
            entry: { ...entry, events: entry.events.slice(sent) },
          });
        }
      }),
    );
  }

  start(): void {
    this.#loop ??= this.#poll();
  }

  /** Resolves once the publishes in flight are done and marked as sent (tests, shutdown). */
  async settle(): Promise<void> {
    await this.#flushing.drain();
    await Promise.all(this.#stores.map((s) => s.flushSent?.()));
    await this.#marking.drain();
  }

  /** Stops polling and waits for publishes in flight and their marks. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await this.settle();
  }

  /** What waits in every store's outbox (see OutboxStore.pending), for the metrics. */
  async pending(): Promise<PendingEvents> {
    let summary: PendingEvents = { events: 0, oldestAt: undefined };
    for (const store of this.#stores) {
      const p = await store.pending();
      summary = {
        events: summary.events + p.events,
        oldestAt:
          summary.oldestAt === undefined || (p.oldestAt !== undefined && p.oldestAt < summary.oldestAt)
            ? p.oldestAt
            : summary.oldestAt,
      };
    }
    return summary;
  }

  /** One pass over every store; returns how many events were published. */
  async drainOnce(): Promise<number> {
    let published = 0;
    for (const store of this.#stores) {
      for (;;) {
        const entries = await store.claimDue(BATCH, LEASE_MS);
        for (const entry of entries) published += await this.#publish(store, entry);
        if (entries.length < BATCH || this.#stop.signal.aborted) break;
      }
    }
    return published;
  }

  async #poll(): Promise<void> {
    const scanMs = this.#o.scanMs ?? 30_000;
    let nextScan = 0; // at once: whatever a previous run of this service left
    while (!this.#stop.signal.aborted) {
      if (this.#o.bus.isConnected()) {
        try {
          let published = await this.#retryUnsent();
          if (Date.now() >= nextScan) {
            published += await this.drainOnce();
            nextScan = Date.now() + scanMs;
          }
          if (published > 0) this.#o.logger.info('outbox relay published pending events', { published });
        } catch (err) {
          this.#o.logger.warn('outbox relay pass failed', { err });
        }
      }
      await sleep(this.#o.pollMs, AbortSignal.any([this.#stop.signal, this.#wake.signal]));
      if (this.#wake.signal.aborted) this.#wake = new AbortController();
    }
  }

  /**
   * Publishes what this process could not, RETRY_PARALLEL entries at a time (each entry's events in
   * order; entries are independent), waiting on confirms together rather than one after another:
   * after an outage there may be hundreds. A round that meets a refusal stops there until the next.
   */
  async #retryUnsent(): Promise<number> {
    let published = 0;
    const waiting = [...this.#unsent];
    for (let i = 0; i < waiting.length; i += RETRY_PARALLEL) {
      const round = waiting.slice(i, i + RETRY_PARALLEL);
      const sent = await Promise.all(round.map(([, { store, entry }]) => this.#publish(store, entry)));
      let refused = false;
      round.forEach(([id, { store, entry }], j) => {
        const n = sent[j] ?? 0;
        published += n;
        if (n === entry.events.length) this.#unsent.delete(id);
        else {
          refused = true;
          if (n > 0) this.#unsent.set(id, { store, entry: { ...entry, events: entry.events.slice(n) } });
        }
      });
      if (refused) break; // the broker refuses again: wait for the next round
    }
    return published;
  }

  /** Publishes in order and marks as sent what the broker confirmed; stops at the first failure. */
  async #publish(store: OutboxStore, entry: OutboxEntry): Promise<number> {
    const sent: DomainEvent[] = [];
    for (const event of entry.events) {
      try {
        await this.#o.bus.publish(event);
        sent.push(event);
      } catch (err) {
        this.#o.logger.warn('publish failed, event stays in the outbox', {
          store: store.name,
          type: event.type,
          eventId: event.id,
          err: err instanceof Error ? err.message : String(err),
        });
        break;
      }
    }
    if (sent.length > 0) {
      // Not waited for: the store may gather marks into one write (SENT_BATCH_MS), and nothing
      // that follows depends on it (the poller leaves a fresh entry alone for OUTBOX_GRACE_MS).
      void this.#marking.track(
        store.markSent(entry.key, sent, sent.length === entry.events.length).catch((err: unknown) => {
          // Published but still in the outbox: it will be published again, and consumers dedupe.
          this.#o.logger.warn('could not mark events as sent', { store: store.name, key: entry.key, err });
        }),
      );
    }
    return sent.length;
  }
}
