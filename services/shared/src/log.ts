import { formatPretty } from './log-pretty.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
/** JSON lines (CloudWatch Logs, pipes, files) or readable ones (a terminal: log-pretty.ts). */
export type LogFormat = 'json' | 'pretty';
type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(bindings: Fields): Logger;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Keys whose values never reach a log line, wherever they are nested. */
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|credential|api[-_]?key/i;
/** user:password@ inside connection strings. */
const URL_CREDENTIALS = /(\/\/)[^/@\s:]+:[^/@\s]+@/g;
const BEARER = /(bearer\s+)[\w.~+/-]+=*/gi;
const MAYBE_BEARER = /bearer/i;

function scrubString(value: string): string {
  // Most strings (ids, paths, messages) hold neither; skip the replacing regexes for them.
  if (!value.includes('@') && !MAYBE_BEARER.test(value)) return value;
  return value.replace(URL_CREDENTIALS, '$1***:***@').replace(BEARER, '$1***');
}

/** Copies `value` with secrets masked; errors become {name, message, stack}. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[deep]';
  if (value instanceof Error) {
    const out: Fields = { name: value.name, message: scrubString(value.message) };
    if (value.stack) out.stack = scrubString(value.stack);
    if ('code' in value) out.code = (value as { code: unknown }).code;
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Date) return value.toISOString();
  const out: Fields = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

export interface LoggerOptions {
  level?: LogLevel;
  bindings?: Fields;
  /** Where lines go; stdout by default (one JSON object per line, for CloudWatch Logs). */
  write?: (line: string) => void;
  /** `json` by default; `auto` is `pretty` when the lines go to stdout and stdout is a terminal. */
  format?: LogFormat | 'auto' | undefined;
  /** Colours in pretty lines (default on). */
  colour?: boolean | undefined;
}

/** A field name's place in a JSON line (`,"name":`) and whether its value is a secret, worked out once per name. */
const keys = new Map<string, { prefix: string; secret: boolean }>();
function keyOf(key: string): { prefix: string; secret: boolean } {
  let k = keys.get(key);
  if (!k) {
    k = { prefix: `,${JSON.stringify(key)}:`, secret: SECRET_KEY.test(key) };
    // field names come from the code, a few dozen; a caller that makes them up is not cached
    if (keys.size < 1_000) keys.set(key, k);
  }
  return k;
}

let lastMs = 0;
let lastIso = '';

/** The current time in ISO 8601; formatted once per millisecond however many lines share it. */
function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

/**
 * Lines go to stdout in batches, at most 5 ms after the first of a batch was logged: a write per
 * line (a system call each, stdout being a pipe or a file) cost a fifth of a simple request's
 * time. Whatever is pending is written when the process exits, however it exits short of SIGKILL.
 */
function bufferedStdout(): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const chunk = pending.join('');
    pending = [];
    process.stdout.write(chunk);
  };
  process.on('exit', flush);
  return (line) => {
    if (pending.push(line) === 1) setTimeout(flush, 5).unref();
  };
}

/**
 * One writer for every logger (and the metrics' lines), made on first use (merely importing this
 * module adds no exit hook).
 */
let stdoutWriter: ((line: string) => void) | undefined;
export function sharedStdout(): (line: string) => void {
  if (!stdoutWriter) stdoutWriter = bufferedStdout();
  return stdoutWriter;
}

/** Which format `auto` stands for: readable on a terminal, JSON anywhere else. */
export function resolveLogFormat(format: LoggerOptions['format'], toTerminal: boolean): LogFormat {
  if (format === 'auto') return toTerminal ? 'pretty' : 'json';
  return format ?? 'json';
}

/** The logger a service's settings ask for: LOG_LEVEL, LOG_FORMAT, NO_COLOR. */
export const loggerFromSettings = (
  s: { LOG_LEVEL: LogLevel; LOG_FORMAT?: LogFormat | 'auto' | undefined; NO_COLOR?: string | undefined },
  bindings: Fields,
): Logger => createLogger({ level: s.LOG_LEVEL, format: s.LOG_FORMAT, colour: !s.NO_COLOR, bindings });

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = rank[options.level ?? 'info'];
  const write = options.write ?? sharedStdout();
  if (resolveLogFormat(options.format, !options.write && process.stdout.isTTY === true) === 'pretty') {
    return prettyLogger(min, write, options.colour ?? true, redact(options.bindings ?? {}) as Fields);
  }
  const make = (bindings: Fields): Logger => {
    // A line is put together from pieces; the bindings are serialised once per logger.
    const bound = Object.keys(bindings).length ? `${JSON.stringify(bindings).slice(1, -1)},` : '';
    const taken = new Set(['time', 'level', 'msg', ...Object.keys(bindings)]);
    const emit = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Fields) => {
      if (rank[level] < min) return;
      let line = `{"time":"${isoNow()}","level":"${level}",${bound}"msg":${JSON.stringify(msg)}`;
      if (fields) {
        for (const key in fields) {
          if (taken.has(key)) continue; // never two keys alike in one line
          const k = keyOf(key);
          const json = JSON.stringify(k.secret ? '[redacted]' : redact(fields[key]));
          if (json !== undefined) line += k.prefix + json;
        }
      }
      write(`${line}}\n`);
    };
    return {
      debug: (msg, fields) => emit('debug', msg, fields),
      info: (msg, fields) => emit('info', msg, fields),
      warn: (msg, fields) => emit('warn', msg, fields),
      error: (msg, fields) => emit('error', msg, fields),
      child: (more) => make({ ...bindings, ...(redact(more) as Fields) }),
    };
  };
  return make(redact(options.bindings ?? {}) as Fields);
}

/** Readable lines (log-pretty.ts), with the same redaction as JSON ones. */
function prettyLogger(min: number, write: (line: string) => void, colour: boolean, bindings: Fields): Logger {
  const { service, ...bound } = bindings;
  const boundEntries = Object.entries(bound);
  const emit = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Fields) => {
    if (rank[level] < min) return;
    const entries: Array<[string, unknown]> = [...boundEntries];
    for (const key in fields) {
      if (key === 'time' || key === 'level' || key === 'msg' || Object.hasOwn(bindings, key)) continue;
      entries.push([key, keyOf(key).secret ? '[redacted]' : redact(fields[key])]);
    }
    const name = typeof service === 'string' ? service : undefined;
    write(formatPretty({ time: new Date(), level, service: name, msg, fields: entries }, colour));
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (more) => prettyLogger(min, write, colour, { ...bindings, ...(redact(more) as Fields) }),
  };
}

/** A logger that drops everything; for tests. */
export const silentLogger: Logger = createLogger({ level: 'silent' });
