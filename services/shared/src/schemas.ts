import * as z from 'zod';

/**
 * Input schemas every service needs. Free text is taken as sent (no trimming: the published
 * schema is the one rule), but never with characters that only ever serve to confuse: control
 * characters (NUL and friends), unpaired UTF-16 surrogates (not text; they break JSON encoders
 * downstream) and the bidirectional overrides that make text display other than it reads.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: same, newlines and tabs allowed
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * The same rules as a JSON Schema `pattern` for the OpenAPI document (refinements do not appear
 * there), made of the very character classes the refinements use, so that a client or a fuzzer
 * reading it knows what is refused. Character escapes only, read alike by ECMAScript, Python and
 * Rust's regex (schemathesis checks with the last). Unpaired surrogates are left out of it: no
 * regex engine on Unicode scalar values can name them, and I-JSON (RFC 7493) already rules them
 * out of a document's strings.
 */
const classOf = (re: RegExp) => re.source.slice(1, -1); // `[...]` -> `...`, escapes as written
export const textPattern = (multiline: boolean) =>
  `^[^${classOf(multiline ? CONTROL_BUT_LINES : CONTROL)}${classOf(BIDI_CONTROL)}]*$`;

function refineText(schema: z.ZodString, multiline: boolean) {
  const control = multiline ? CONTROL_BUT_LINES : CONTROL;
  return schema
    .refine((s) => s.isWellFormed(), 'must be valid Unicode text (no unpaired surrogates)')
    .refine((s) => !control.test(s), multiline ? 'must not contain control characters' : 'must be one line of text')
    .refine((s) => !BIDI_CONTROL.test(s), 'must not contain bidirectional control characters')
    .meta({ pattern: textPattern(multiline) });
}

/** One line of text, `min` to `max` characters. */
export const text = (max: number, min = 1) => refineText(z.string().min(min).max(max), false);

/** Text that may span lines (descriptions). */
export const multilineText = (max: number, min = 0) => refineText(z.string().min(min).max(max), true);

/**
 * A decimal integer in a query string. `z.coerce.number()` also takes `0x10`, `1e2`, ` 7` and
 * `Infinity`; a query parameter has one spelling.
 */
export const queryInt = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]{0,8})$/, 'must be a whole number in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .default(fallback)
    // documented as what it is: an integer between min and max, in decimal digits
    .meta({ type: 'integer', minimum: min, maximum: max, pattern: undefined });
