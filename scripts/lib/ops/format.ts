/** How the commands print: service log lines made readable, and aligned tables. */
import { OpsError } from './errors.ts';

export interface LogEvent {
  timestamp?: number | undefined;
  message?: string | undefined;
  logStreamName?: string | undefined;
}

const LEVEL_COLOR: Record<string, string> = { error: '31', fatal: '31', warn: '33', debug: '90' };

/** The task a line came from: awslogs streams are <prefix>/<container>/<task id>. */
export const taskOfStream = (stream: string | undefined): string => (stream?.split('/').pop() ?? '').slice(0, 8);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/**
 * One event as `time LEVEL [task] msg requestId=… key=value…`. The services log one JSON object
 * a line ({time, level, msg, requestId?, …}); anything else (a crash before the logger started,
 * Node's own warnings) is printed as it is. An error's stack follows on indented lines.
 */
export function formatLogEvent(event: LogEvent, color = false): string {
  const raw = (event.message ?? '').replace(/\n$/, '');
  const task = taskOfStream(event.logStreamName);
  const fallbackTime = event.timestamp !== undefined ? new Date(event.timestamp).toISOString() : '-';
  let parsed: Record<string, unknown> | undefined;
  if (raw.startsWith('{')) {
    try {
      const candidate: unknown = JSON.parse(raw);
      if (candidate && typeof candidate === 'object' && !Array.isArray(candidate))
        parsed = candidate as Record<string, unknown>;
    } catch {
      // not JSON after all: printed as it is
    }
  }
  const where = task ? ` [${task}]` : '';
  if (!parsed) return `${fallbackTime}${where} ${raw}`;

  const { time, level, msg, requestId, ...rest } = parsed;
  const levelText = String(level ?? '-');
  const paint =
    color && LEVEL_COLOR[levelText]
      ? (s: string) => `\u001b[${LEVEL_COLOR[levelText]}m${s}\u001b[0m`
      : (s: string) => s;
  const parts = [
    typeof time === 'string' ? time : fallbackTime,
    paint(levelText.toUpperCase().padEnd(5)),
    `${where.trim()} ${paint(String(msg ?? ''))}`.trim(),
  ];
  if (requestId !== undefined) parts.push(`requestId=${value(requestId)}`);
  let stack = '';
  for (const [key, v] of Object.entries(rest)) {
    const err = v as { name?: unknown; message?: unknown; stack?: unknown } | null;
    if (err && typeof err === 'object' && typeof err.stack === 'string') {
      parts.push(`${key}=${value(`${String(err.name ?? 'Error')}: ${String(err.message ?? '')}`)}`);
      stack += err.stack
        .split('\n')
        .slice(1)
        .map((l) => `\n    ${l.trim()}`)
        .join('');
      continue;
    }
    parts.push(`${key}=${value(v)}`);
  }
  return parts.join(' ') + stack;
}

/** Columns padded to their widest cell; the header underlined by nothing but its position. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** "10m", "2h", "1d", "30s" or an ISO time, as epoch milliseconds before `now`. */
export function parseSince(since: string, now = Date.now()): number {
  const m = since.match(/^(\d+)\s*(s|m|h|d)$/);
  if (m) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(m[1]) * unit;
  }
  const at = Date.parse(since);
  if (Number.isNaN(at)) throw new OpsError(`--since takes 30s, 10m, 2h, 1d or an ISO time, got "${since}"`, 2);
  return at;
}

/** Seconds as "42 s", "3 min 5 s". */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** How long ago, for events: "12 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function ago(at: Date | undefined, now = Date.now()): string {
  if (!at) return '-';
  const s = Math.max(0, Math.round((now - at.getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}
