import { InFlight, KeyedMutex, sleep } from './async.ts';
import type { EventBus } from './bus.ts';
import type { DomainEvent, EventType } from './events.ts';
import { uuidv7 } from './ids.ts';
import type { Logger } from './log.ts';

/**
 * The outbox: a write that changes state and must announce it stores the events in the same
 * document, in the same single-document write (atomic on MongoDB, DocumentDB and FerretDB, no
 * transaction needed), stamped with the process that wrote it (its writer) and when. That process's
 * relay publishes them right after the write, with publisher confirms, and nothing is written back
 * to the document: instead each writer records, about once a second, a watermark in a small
 * collection of its own (OutboxWriters): every entry it stamped at or before it is published.
 * A writer that stops recording (it crashed) is found by the other replicas, or by the next start,
 * which publish its entries after its watermark. So an event is published at least once and never
 * for a write that failed, and consumers are idempotent.
 *
 * Why a watermark and not a mark per document: marking rewrites the whole document on FerretDB
 * (and a bulk write of marks is a quarter of its work per order), for the one case that matters
 * only after a crash.
 */

/** A document with events. */
export interface OutboxEntry {
  key: string;
  events: DomainEvent[];
}

/** Who wrote an outbox entry and when (epoch ms), stored with it. */
export interface OutboxStamp {
  writer: string;
  at: number;
}

/**
 * One collection whose documents carry an outbox (fields `outbox`, `outboxWriter`, `outboxAt`).
 * The documents are facts, written once with their events: nothing appends to an outbox later.
 */
export interface OutboxStore {
  readonly name: string;
  /** The entries `writer` stamped after `after`, oldest first. */
  writtenAfter(writer: string, after: number): AsyncIterable<OutboxEntry & { at: number }>;
  /** The entry stored under `key` and its stamp: to learn whether a write of unknown outcome happened. */
  stamped(key: string): Promise<(OutboxEntry & { stamp: OutboxStamp }) | undefined>;
  /**
   * Documents written before watermarks carry `outboxDueAt` while their events are pending (the
   * code before 2026-12-02 marked each document as sent): takes up to `limit` whose time has come
   * and moves it `leaseMs` ahead, so that other replicas leave them alone meanwhile.
   */
  claimDue(limit: number, leaseMs: number): Promise<OutboxEntry[]>;
  /** Removes these events from such a document's outbox; `all` clears it and its due time. */
  markSent(key: string, events: DomainEvent[], all: boolean): Promise<void>;
  /** The events such documents still hold (counted over at most PENDING_LOOK_AT of them). */
  pending(): Promise<PendingEvents>;
}

/** A writer's record: its watermark, and until when it counts as alive. */
export interface WriterState {
  writer: string;
  /** Every entry the writer stamped at or before this (epoch ms) is published. */
  watermark: number;
  /** Epoch ms; a writer still silent by then is taken for dead and its entries recovered. */
  aliveUntil: number;
  /** How many recoveries found it dead so far. */
  recoveries: number;
}

/** Where the relays of a database keep their writers' records (one collection, a document each). */
export interface OutboxWriters {
  /** Records `writer` alive for `aliveMs` more, with its watermark (creating the record). */
  beat(writer: string, watermark: number, aliveMs: number): Promise<void>;
  /** The writers whose time ran out before `now`. */
  dead(now: number): Promise<WriterState[]>;
  /**
   * Takes a dead writer until `until` unless someone changed its record since `seen` was read
   * (another replica took it, or the writer beat again); answers whether it was taken.
   */
  claim(seen: WriterState, until: number): Promise<boolean>;
  /** After a recovery: its watermark moved to `watermark`, and left alone until `until`. */
  recovered(writer: string, watermark: number, until: number): Promise<void>;
  /** Forgets a writer: it stopped with nothing unpublished, or two recoveries found nothing. */
  remove(writer: string): Promise<void>;
}

export interface PendingEvents {
  events: number;
  /** Epoch ms of the oldest pending event's occurredAt. */
  oldestAt: number | undefined;
}

/** Documents read to answer `pending()`: enough to see a backlog, few enough to stay cheap. */
export const PENDING_LOOK_AT = 1_000;

/** Two summaries as one: the events of both, the older of their oldest. */
function mergePending(a: PendingEvents, b: PendingEvents): PendingEvents {
  const oldestAt =
    a.oldestAt === undefined || (b.oldestAt !== undefined && b.oldestAt < a.oldestAt) ? b.oldestAt : a.oldestAt;
  return { events: a.events + b.events, oldestAt };
}

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
 * the relay stamps each write and publishes its events as soon as the write succeeded.
 */
export interface EventSink {
  /** Throws unless every event is of a type the service declared it publishes. */
  check(events: DomainEvent[]): void;
  /** A write with events begins: the stamp to store with them. */
  begin(): OutboxStamp;
  /** The write of `key` with `events` and `stamp` is stored: publish them now. */
  written(stamp: OutboxStamp, key: string, events: DomainEvent[]): void;
  /**
   * The write failed, and may have happened all the same (an error after the request went out, a
   * duplicate key that may be this write's own retry): the relay reads the key back and publishes
   * the events if the document there holds this stamp.
   */
  failed(stamp: OutboxStamp, key: string): void;
}

/** Documents written before watermarks: how long the writer had before the poller took them. */
export const OUTBOX_GRACE_MS = 5_000;
/** A writer records its watermark this often while it writes, and every third of WRITER_ALIVE_MS when idle. */
const BEAT_MS = 1_000;
/**
 * A writer that has not recorded itself for this long is taken for dead and its entries after its
 * watermark are published by another relay: many missed beats, not a GC pause or a slow write.
 */
export const WRITER_ALIVE_MS = 5_000;
/** How often the writers' records are looked at for dead ones (or every scanMs, if sooner). */
const RECOVER_EVERY_MS = 5_000;
/** How long one recovery may take before another relay may take the same writer. */
const CLAIM_MS = 60_000;
/**
 * A recovered writer is looked at once more this much later, and forgotten when that finds
 * nothing new: a writer that was only slow, not dead, and wrote once more before it died after
 * all (it beats again as soon as it runs, so this is the one case left) is covered too.
 */
const RECHECK_MS = 300_000;
const LEASE_MS = 30_000;
const RETRY_PARALLEL = 32;
const BATCH = 100;

export interface OutboxRelayOptions {
  bus: EventBus;
  logger: Logger;
  /** Where this relay records its watermark and finds dead writers: the service's database. */
  writers: OutboxWriters;
  /** Names this process as a writer (`<name>/<unique id>`): the service's name. */
  name?: string;
  /** How often this process retries the events it could not publish (broker down). */
  pollMs: number;
  /**
   * How often the stores are searched for documents written before watermarks with events
   * nobody published: once at start, then again only in a store that still held some (MongoDB and
   * DocumentDB answer it from the outboxDueAt index, FerretDB 1.x only by reading the collection;
   * no code writes such documents now). Dead writers are looked for every RECOVER_EVERY_MS, or
   * this often if sooner.
   */
  scanMs?: number;
}

/** A write this process stamped whose events are not all published yet. */
interface Unsent {
  store: OutboxStore;
  entry: OutboxEntry;
}

export class OutboxRelay {
  /** This process as a writer: unique per start. */
  readonly writer: string;
  readonly #o: OutboxRelayOptions;
  /** What this service's writers are named from. */
  readonly #own: string;
  readonly #stores: OutboxStore[] = [];
  readonly #flushing = new InFlight();
  /** Marks of documents written before watermarks, still being written; nothing waits on them. */
  readonly #marking = new InFlight();
  /** Writes begun and not yet known published (or not written): they hold the watermark back. */
  readonly #open = new Set<OutboxStamp>();
  /** Of those, the ones whose events could not all be published yet, retried every pollMs. */
  readonly #unsent = new Map<OutboxStamp, Unsent>();
  /** Of those, writes of unknown outcome: the key is read back on the next pass. */
  readonly #unknown = new Map<OutboxStamp, { store: OutboxStore; key: string }>();
  /** The watermark last computed: every stamp handed out later is after it. */
  #mark: number;
  /** Stores found holding no documents written before watermarks: not searched for them again. */
  readonly #withoutDue = new Set<OutboxStore>();
  /** One retry at a time (the poller's, a drainOnce): two would publish the same entries twice. */
  readonly #retries = new KeyedMutex();
  #stampedSinceBeat = false;
  #beatAt = 0;
  #beating: Promise<void> | undefined;
  #beatFailing = false;
  #beatTimer: NodeJS.Timeout | undefined;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  /** Cuts the poller's wait short: the broker is back, what waited for it goes out at once. */
  #wake = new AbortController();

  constructor(options: OutboxRelayOptions) {
    this.#o = options;
    // Services may share a database (a MONGO_URL that names one): each takes over its own writers only.
    this.#own = `${options.name ?? 'relay'}/`;
    this.writer = `${this.#own}${uuidv7()}`;
    this.#mark = Date.now() - 1;
    options.bus.onConnected(() => this.#wake.abort());
  }

  /** Adds a collection whose outbox the poller watches. */
  register(store: OutboxStore): OutboxStore {
    this.#stores.push(store);
    return store;
  }

  /**
   * Registers `store` and answers the sink its writes report to: each write is stamped, its
   * events published at once, and only events of the `publishes` types may be written at all.
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
      begin: () => this.begin(),
      written: (stamp, key, events) => void this.flush(store, { key, events }, stamp),
      failed: (stamp, key) => void this.#unknown.set(stamp, { store, key }),
    };
  }

  /** The stamp for a write about to be stored; throws until `start` has recorded this writer. */
  begin(): OutboxStamp {
    if (this.#beatAt === 0) throw new Error('the outbox relay records its writer in start(), before any write');
    const stamp = { writer: this.writer, at: Math.max(Date.now(), this.#mark + 1) };
    this.#open.add(stamp);
    this.#stampedSinceBeat = true;
    return stamp;
  }

  /**
   * Publishes the events a write has just stored, without waiting for the next poll. Never throws:
   * whatever it cannot publish now this process retries.
   */
  flush(store: OutboxStore, entry: OutboxEntry, stamp: OutboxStamp): Promise<void> {
    return this.#flushing.track(this.#send(store, entry, stamp).then(() => undefined));
  }

  /** Records this writer (before any write may be stamped) and starts the poller and the beats. */
  async start(): Promise<void> {
    if (this.#loop) return;
    if (this.#stores.length > 0) {
      await this.#o.writers.beat(this.writer, this.#mark, WRITER_ALIVE_MS);
      this.#beatAt = Date.now();
      this.#beatTimer = setInterval(() => void this.#beat(), BEAT_MS);
      this.#beatTimer.unref();
    }
    this.#loop = this.#poll();
  }

  /** Resolves once the publishes in flight are done (tests, shutdown). */
  async settle(): Promise<void> {
    await this.#flushing.drain();
    await this.#marking.drain();
  }

  /**
   * Stops polling and waits for publishes in flight. With everything published this writer is
   * forgotten; otherwise its record is left dead at once, for another replica (or the next start)
   * to publish the rest.
   */
  async stop(): Promise<void> {
    this.#stop.abort();
    clearInterval(this.#beatTimer);
    await this.#loop;
    await this.settle();
    await this.#beating;
    if (this.#beatAt === 0) return;
    try {
      if (this.#open.size === 0) await this.#o.writers.remove(this.writer);
      else await this.#o.writers.beat(this.writer, this.#watermark(), 0);
    } catch (err) {
      this.#o.logger.warn('outbox relay could not record its last watermark', { writer: this.writer, err });
    }
  }

  /**
   * What waits to be published: this process's writes whose events it could not publish yet,
   * what dead writers left that nobody has recovered yet, and documents written before watermarks
   * that still hold events; and when the oldest of it was stamped or occurred. That is the
   * outbox's age, which a broker outage or a stuck relay anywhere raises.
   */
  async pending(): Promise<PendingEvents> {
    let summary: PendingEvents = { events: 0, oldestAt: undefined };
    for (const { entry } of this.#unsent.values()) summary = addPending(summary, entry.events);
    for (const stamp of this.#open) summary = mergePending(summary, { events: 0, oldestAt: stamp.at });
    for (const dead of await this.#deadWriters()) {
      for (const store of this.#stores) {
        for await (const entry of store.writtenAfter(dead.writer, dead.watermark)) {
          summary = addPending(summary, entry.events);
        }
      }
    }
    for (const store of this.#stores) summary = mergePending(summary, await store.pending());
    return summary;
  }

  /**
   * One pass of everything the poller does: this process's unpublished and unknown writes, the
   * writers found dead, the documents written before watermarks. Returns how many events it published.
   */
  async drainOnce(): Promise<number> {
    return (await this.#retryUnsent()) + (await this.#recoverDead()) + (await this.#drainDue());
  }

  /** Every entry on or before the watermark is published: the oldest write still open, or now. */
  #watermark(): number {
    let low = Date.now();
    for (const stamp of this.#open) if (stamp.at < low) low = stamp.at;
    this.#mark = Math.max(this.#mark, low - 1);
    return this.#mark;
  }

  /** Records the watermark: every second while writes come, every third of WRITER_ALIVE_MS when idle. */
  #beat(): Promise<void> {
    if (this.#beating || this.#stop.signal.aborted) return this.#beating ?? Promise.resolve();
    if (!this.#stampedSinceBeat && Date.now() - this.#beatAt < WRITER_ALIVE_MS / 3) return Promise.resolve();
    this.#stampedSinceBeat = false;
    const watermark = this.#watermark();
    this.#beating = this.#o.writers
      .beat(this.writer, watermark, WRITER_ALIVE_MS)
      .then(
        () => {
          this.#beatAt = Date.now();
          this.#beatFailing = false;
        },
        (err: unknown) => {
          this.#stampedSinceBeat = true;
          if (!this.#beatFailing) this.#o.logger.warn('outbox relay could not record its watermark', { err });
          this.#beatFailing = true;
        },
      )
      .finally(() => {
        this.#beating = undefined;
      });
    return this.#beating;
  }

  async #poll(): Promise<void> {
    const scanMs = this.#o.scanMs ?? 30_000;
    let nextScan = 0; // at once: whatever a previous run of this service left
    let nextRecovery = 0;
    while (!this.#stop.signal.aborted) {
      if (this.#o.bus.isConnected()) {
        try {
          let published = await this.#retryUnsent();
          if (Date.now() >= nextRecovery) {
            published += await this.#recoverDead();
            nextRecovery = Date.now() + Math.min(scanMs, RECOVER_EVERY_MS);
          }
          if (Date.now() >= nextScan) {
            published += await this.#drainDue();
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

  /** Publishes a stamped write's events; what the broker refuses is kept for the next pass. */
  async #send(store: OutboxStore, entry: OutboxEntry, stamp: OutboxStamp): Promise<number> {
    const sent = await this.#publish(store, entry.events);
    if (sent === entry.events.length) {
      this.#unsent.delete(stamp);
      this.#open.delete(stamp);
    } else {
      this.#unsent.set(stamp, { store, entry: { ...entry, events: entry.events.slice(sent) } });
    }
    return sent;
  }

  /**
   * Publishes what this process could not, RETRY_PARALLEL entries at a time (each entry's events in
   * order; entries are independent), waiting on confirms together rather than one after another:
   * after an outage there may be hundreds. A round that meets a refusal stops there until the next.
   * Writes of unknown outcome are read back first: published if stored with their stamp.
   */
  #retryUnsent(): Promise<number> {
    return this.#retries.run('unsent', () => this.#retryUnsentNow());
  }

  async #retryUnsentNow(): Promise<number> {
    for (const [stamp, { store, key }] of this.#unknown) {
      const stored = await store.stamped(key);
      this.#unknown.delete(stamp);
      if (stored?.stamp.writer === stamp.writer && stored.stamp.at === stamp.at) {
        this.#unsent.set(stamp, { store, entry: { key, events: stored.events } });
      } else {
        this.#open.delete(stamp);
      }
    }
    let published = 0;
    const waiting = [...this.#unsent];
    for (let i = 0; i < waiting.length; i += RETRY_PARALLEL) {
      const round = waiting.slice(i, i + RETRY_PARALLEL);
      const sent = await Promise.all(round.map(([stamp, { store, entry }]) => this.#send(store, entry, stamp)));
      published += sent.reduce((a, b) => a + b, 0);
      if (round.some(([stamp]) => this.#unsent.has(stamp))) break; // refused again: wait for the next round
    }
    return published;
  }

  /**
   * Publishes what dead writers left after their watermarks. A writer is taken by one relay at a
   * time (claim); a recovery the broker cuts short is started over once the claim runs out.
   */
  async #recoverDead(): Promise<number> {
    const writers = this.#o.writers;
    let published = 0;
    for (const dead of await this.#deadWriters()) {
      if (!(await writers.claim(dead, Date.now() + CLAIM_MS))) continue;
      let found = 0;
      let last = dead.watermark;
      let complete = true;
      stores: for (const store of this.#stores) {
        for await (const entry of store.writtenAfter(dead.writer, dead.watermark)) {
          const sent = await this.#publish(store, entry.events);
          published += sent;
          if (sent < entry.events.length) {
            complete = false;
            break stores;
          }
          found += 1;
          last = Math.max(last, entry.at);
        }
      }
      if (!complete) continue;
      if (found > 0) {
        this.#o.logger.warn('outbox relay published what a dead writer left', { writer: dead.writer, entries: found });
      }
      if (found === 0 && dead.recoveries > 0) await writers.remove(dead.writer);
      else await writers.recovered(dead.writer, last, Date.now() + RECHECK_MS);
    }
    return published;
  }

  /** This service's writers found dead, but for this one (its beats failed for a while: it is alive). */
  async #deadWriters(): Promise<WriterState[]> {
    if (this.#stores.length === 0) return []; // a service that writes no events has no writers to take over
    const dead = await this.#o.writers.dead(Date.now());
    return dead.filter((d) => d.writer.startsWith(this.#own) && d.writer !== this.writer);
  }

  /** Documents written before watermarks: claimed, published and marked as sent, as they were then. */
  async #drainDue(): Promise<number> {
    let published = 0;
    for (const store of this.#stores) {
      if (this.#withoutDue.has(store)) continue;
      for (;;) {
        const entries = await store.claimDue(BATCH, LEASE_MS);
        for (const entry of entries) {
          const sent = await this.#publish(store, entry.events);
          published += sent;
          if (sent > 0) {
            void this.#marking.track(
              store
                .markSent(entry.key, entry.events.slice(0, sent), sent === entry.events.length)
                .catch((err: unknown) => {
                  // Published but still in the outbox: it will be published again, and consumers dedupe.
                  this.#o.logger.warn('could not mark events as sent', { store: store.name, key: entry.key, err });
                }),
            );
          }
        }
        if (entries.length < BATCH || this.#stop.signal.aborted) break;
      }
      // Nothing writes such documents any more: a store found without any is not searched again
      // (FerretDB 1.x reads the whole collection for it, every time: 0.3 ms of its CPU a document).
      if (!this.#stop.signal.aborted && (await store.pending()).events === 0) this.#withoutDue.add(store);
    }
    return published;
  }

  /** Publishes in order; stops at the first failure and answers how many went out. */
  async #publish(store: OutboxStore, events: DomainEvent[]): Promise<number> {
    let sent = 0;
    for (const event of events) {
      try {
        await this.#o.bus.publish(event);
        sent += 1;
      } catch (err) {
        this.#o.logger.warn('publish failed, the event waits to be published again', {
          store: store.name,
          type: event.type,
          eventId: event.id,
          err: err instanceof Error ? err.message : String(err),
        });
        break;
      }
    }
    return sent;
  }
}
