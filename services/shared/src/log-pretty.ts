/**
 * Log lines for a person at a terminal: one line per event, `time LEVEL service message key=value
 * ...`, coloured unless told not to (NO_COLOR). Only ever used when stdout is a terminal or
 * LOG_FORMAT=pretty says so: deployed tasks and piped output get JSON (log.ts), which this file
 * does not touch.
 */

export type PrettyLevel = 'debug' | 'info' | 'warn' | 'error';

export interface PrettyEntry {
  time: Date;
  level: PrettyLevel;
  /** The `service` binding, shown as a column of its own. */
  service?: string | undefined;
  msg: string;
  /** Bindings and fields, already redacted, in the order they were given. */
  fields: Array<[string, unknown]>;
}

const ESC = '\u001b[';
const paint = (code: string, text: string) => `${ESC}${code}m${text}${ESC}0m`;
const LEVEL_COLOUR: Record<PrettyLevel, string> = { debug: '90', info: '32', warn: '33', error: '31;1' };
/**
 * Each service keeps one colour, given in the order they first log, so the few that share a
 * terminal differ; none is a level's colour (green, yellow, red).
 */
const SERVICE_COLOURS = ['36', '35', '34', '96', '95', '94', '37'];
const serviceColours = new Map<string, string>();
const SERVICE_WIDTH = 9;
/** Frames of an error's stack shown under an error line: where it happened, not the whole trace. */
const STACK_FRAMES = 6;

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const clock = (t: Date) =>
  `${pad2(t.getHours())}:${pad2(t.getMinutes())}:${pad2(t.getSeconds())}.${String(t.getMilliseconds()).padStart(3, '0')}`;

function serviceColour(name: string): string {
  let colour = serviceColours.get(name);
  if (!colour) {
    colour = SERVICE_COLOURS[serviceColours.size % SERVICE_COLOURS.length] as string;
    serviceColours.set(name, colour);
  }
  return colour;
}

/**
 * Plain words stay bare; anything with spaces, quotes, `=` or control characters is quoted (JSON,
 * so a value cannot forge a line or send escape sequences to the terminal).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: keeping control characters out is the point
const BARE = /^[^\s"'=\u0000-\u001f\u007f-\u009f]+$/;
const isPlain = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

function isErrorLike(v: unknown): v is { name: string; message: string; code?: unknown; stack?: string } {
  return typeof v === 'object' && v !== null && 'name' in v && 'message' in v && ('stack' in v || 'code' in v);
}

function valueText(v: unknown): string {
  if (typeof v === 'string') return BARE.test(v) ? v : JSON.stringify(v);
  if (isPlain(v)) return String(v);
  if (isErrorLike(v)) {
    const text = `${v.name}: ${v.message}${v.code !== undefined ? ` [${String(v.code)}]` : ''}`;
    return JSON.stringify(text);
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' && BARE.test(x) && !x.includes(','))) return v.join(',');
  return JSON.stringify(v) ?? String(v);
}

/** The first frames of the stacks of error fields, outside node_modules and Node's internals. */
function stackLines(fields: Array<[string, unknown]>): string[] {
  const lines: string[] = [];
  for (const [, v] of fields) {
    if (!isErrorLike(v) || typeof v.stack !== 'string') continue;
    const frames = v.stack
      .split('\n')
      .filter((l) => /^\s+at /.test(l) && !/node_modules|node:internal|\(node:/.test(l))
      .slice(0, STACK_FRAMES);
    lines.push(...frames.map((l) => `    ${l.trim()}`));
  }
  return lines;
}

/** One event as text, newline included. */
export function formatPretty(e: PrettyEntry, colour: boolean): string {
  const level = e.level.toUpperCase().padEnd(5);
  const service = (e.service ?? '').padEnd(SERVICE_WIDTH);
  let line = colour
    ? `${paint('2', clock(e.time))} ${paint(LEVEL_COLOUR[e.level], level)} ${e.service ? paint(serviceColour(e.service), service) : service} ${e.level === 'error' || e.level === 'warn' ? paint(LEVEL_COLOUR[e.level], e.msg) : e.msg}`
    : `${clock(e.time)} ${level} ${service} ${e.msg}`;
  for (const [key, value] of e.fields) {
    if (value === undefined) continue;
    line += colour ? ` ${paint('2', `${key}=`)}${valueText(value)}` : ` ${key}=${valueText(value)}`;
  }
  if (e.level === 'error') {
    const stack = stackLines(e.fields);
    if (stack.length > 0) line += `\n${colour ? paint('2', stack.join('\n')) : stack.join('\n')}`;
  }
  return `${line}\n`;
}
