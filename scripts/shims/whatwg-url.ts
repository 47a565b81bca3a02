/**
 * Bundling only: the MongoDB driver's connection-string parser imports the `whatwg-url` package,
 * which brings ~280 KiB of Unicode tables. Node's own URL and URLSearchParams implement the same
 * WHATWG standard, so the bundle uses them instead.
 */
export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;
