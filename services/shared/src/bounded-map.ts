/**
 * A Map that keeps at most `maxKeys` entries, forgetting the least recently used: for what a
 * process remembers about many keys (throttles, caches) without growing with them.
 */
export class BoundedMap<V> {
  readonly #entries = new Map<string, V>();
  readonly maxKeys: number;

  constructor(maxKeys: number) {
    this.maxKeys = maxKeys;
  }

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key); // most recently used last
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.maxKeys) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size() {
    return this.#entries.size;
  }
}
