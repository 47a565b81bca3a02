export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
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

function scrubString(value: string): string {
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
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = rank[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const make = (bindings: Fields): Logger => {
    const emit = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Fields) => {
      if (rank[level] < min) return;
      const entry = {
        time: new Date().toISOString(),
        level,
        ...bindings,
        msg,
        ...(fields && (redact(fields) as Fields)),
      };
      write(`${JSON.stringify(entry)}\n`);
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

/** A logger that drops everything; for tests. */
export const silentLogger: Logger = createLogger({ level: 'silent' });
