import { type Collection, type Db, MongoClient, type MongoClientOptions, MongoServerError } from 'mongodb';
import type { Logger } from './log.ts';
import type { Credentials, CredentialsSource } from './mongo-credentials.ts';

export interface MongoOptions {
  url: string;
  /** CA bundle for TLS (DocumentDB). */
  tlsCAFile?: string | undefined;
  /** Credentials given apart from the URL. */
  username?: string | undefined;
  password?: string | undefined;
  /** Database used when the URL names none: each service has its own. */
  defaultDatabase: string;
  appName: string;
  /** Watches each client made (tracing: a span per command); turns command monitoring on. */
  monitor?: ((client: MongoClient) => void) | undefined;
}

/**
 * Connects with options that hold on DocumentDB as well as MongoDB: `retryWrites=false`, the
 * TLS settings and the pool size stay in the URL and are honoured as given; the CA file comes
 * from the config.
 * The driver reconnects by itself after a database restart; operations in between fail fast
 * (serverSelectionTimeoutMS) and are retried by their callers (HTTP 503, message redelivery).
 */
export async function connectMongo(o: MongoOptions): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(o.url, mongoClientOptions(o));
  o.monitor?.(client);
  await client.connect();
  return { client, db: client.db(databaseFromUrl(o.url) ?? o.defaultDatabase) };
}

export function mongoClientOptions(o: MongoOptions): MongoClientOptions {
  return {
    appName: o.appName,
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    // A default only: options in the URL (e.g. `maxPoolSize=10` for a small DocumentDB instance,
    // whose connection limit all tasks share) must win, and the driver lets this object win.
    ...(!/[?&]maxPoolSize=/i.test(o.url) && { maxPoolSize: 50 }),
    ...(o.tlsCAFile && { tls: true, tlsCAFile: o.tlsCAFile }),
    ...(o.username && o.password && { auth: { username: o.username, password: o.password } }),
    ...(o.monitor && { monitorCommands: true }),
  };
}

/** How often, at most, a refused login makes the service read its credentials again. */
const CREDENTIALS_RECHECK_MS = 2_000;
/** How long a replaced client stays open for the operations still running on it. */
const OLD_CLIENT_GRACE_MS = 30_000;

export interface RotatingMongoOptions extends Omit<MongoOptions, 'username' | 'password' | 'defaultDatabase'> {
  /** The database to use, whatever the URL names. */
  database: string;
  credentials: CredentialsSource;
  logger: Logger;
}

/**
 * A database whose password rotates under it (DocumentDB's managed master-user secret, every 7
 * days by default). Connections already open stay logged in; the first new connection the
 * database refuses makes the service read the secret again and, on a new password, connect a new
 * client and move every later operation to it. `db` follows the current client: stores take their
 * collections from it once, as usual, and never hold a stale one. The operation that met the
 * refusal fails (HTTP 503 with Retry-After, or a message redelivered): one retry, no more.
 */
export class RotatingMongo {
  readonly db: Db;
  readonly #o: RotatingMongoOptions;
  readonly #dbName: string;
  #client: MongoClient;
  #credentials: Credentials | undefined;
  #collections = new Map<string, Collection>();
  #refreshing: Promise<boolean> | undefined;
  #lastCheck = 0;
  #closed = false;

  static async connect(o: RotatingMongoOptions): Promise<RotatingMongo> {
    const [credentials] = await o.credentials();
    const client = await RotatingMongo.#open(o, credentials);
    return new RotatingMongo(o, client, credentials);
  }

  private constructor(o: RotatingMongoOptions, client: MongoClient, credentials: Credentials | undefined) {
    this.#o = o;
    this.#client = client;
    this.#credentials = credentials;
    this.#dbName = o.database;
    this.#watch(client);
    const current = () => this.#client.db(this.#dbName);
    this.db = new Proxy({} as Db, {
      get: (_, property) => {
        if (property === 'collection') return (name: string) => this.#collection(name);
        return forward(current(), property);
      },
    });
  }

  get client(): MongoClient {
    return this.#client;
  }

  /**
   * Reads the credentials again and, when they changed, connects with the new ones and switches
   * to that client. At most one check at a time and one every CREDENTIALS_RECHECK_MS; resolves to
   * whether the client was switched.
   */
  refreshCredentials(): Promise<boolean> {
    if (this.#refreshing) return this.#refreshing;
    if (this.#closed || Date.now() - this.#lastCheck < CREDENTIALS_RECHECK_MS) return Promise.resolve(false);
    this.#lastCheck = Date.now();
    this.#refreshing = this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#client.close();
  }

  async #refresh(): Promise<boolean> {
    const log = this.#o.logger;
    try {
      const candidates = await this.#o.credentials();
      for (const candidate of candidates) {
        if (candidate.password === this.#credentials?.password && candidate.username === this.#credentials.username) {
          continue;
        }
        let client: MongoClient | undefined;
        try {
          client = await RotatingMongo.#open(this.#o, candidate);
          await client.db(this.#dbName).command({ ping: 1 });
        } catch (err) {
          await client?.close().catch(() => {});
          log.warn('new database credentials refused, keeping the old ones', { err: errorMessage(err) });
          continue;
        }
        const old = this.#client;
        this.#client = client;
        this.#credentials = candidate;
        this.#collections = new Map();
        this.#watch(client);
        setTimeout(() => void old.close().catch(() => {}), OLD_CLIENT_GRACE_MS).unref();
        log.info('database credentials rotated: reconnected with the new ones');
        return true;
      }
    } catch (err) {
      log.warn('could not read the database credentials', { err: errorMessage(err) });
    }
    return false;
  }

  /** A refused new connection is the sign of a rotated password. */
  #watch(client: MongoClient): void {
    client.on('connectionCheckOutFailed', (event) => {
      if (client === this.#client && event.reason === 'connectionError') void this.refreshCredentials();
    });
  }

  /** A collection of the current client, the same object for as long as that client lasts. */
  #collection(name: string): Collection {
    return new Proxy({} as Collection, {
      get: (_, property) => {
        let collection = this.#collections.get(name);
        if (!collection) {
          collection = this.#client.db(this.#dbName).collection(name);
          this.#collections.set(name, collection);
        }
        return forward(collection, property);
      },
    });
  }

  static async #open(o: RotatingMongoOptions, credentials: Credentials | undefined): Promise<MongoClient> {
    const client = new MongoClient(o.url, mongoClientOptions({ ...o, defaultDatabase: o.database, ...credentials }));
    o.monitor?.(client);
    await client.connect();
    return client;
  }
}

function forward(target: object, property: string | symbol): unknown {
  const value = Reflect.get(target, property, target);
  return typeof value === 'function' ? value.bind(target) : value;
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function databaseFromUrl(url: string): string | undefined {
  const name = url.match(/^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/)?.[1];
  return name ? decodeURIComponent(name) : undefined;
}

export async function pingMongo(db: Db): Promise<boolean> {
  try {
    await db.command({ ping: 1 }, { timeoutMS: 1_000 });
    return true;
  } catch {
    return false;
  }
}

export const isDuplicateKey = (err: unknown): boolean => err instanceof MongoServerError && err.code === 11000;

/**
 * Inserts a fact that is written once: false (and nothing written) when its _id exists. The one
 * atomic operation every MongoDB-compatible store offers without transactions, and what makes
 * event handlers idempotent: a redelivered event finds its fact taken.
 */
export async function insertOnce<T extends { _id: string }>(collection: Collection<T>, doc: T): Promise<boolean> {
  try {
    await (collection as unknown as Collection<{ _id: string }>).insertOne(doc);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
