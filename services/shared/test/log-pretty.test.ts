import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createLogger, resolveLogFormat } from '../src/log.ts';

const ESC = '\u001b[';
const LINE = /^\d\d:\d\d:\d\d\.\d{3} (DEBUG|INFO |WARN |ERROR) \S* +\S/;

function pretty(colour = false) {
  const lines: string[] = [];
  const log = createLogger({
    format: 'pretty',
    colour,
    bindings: { service: 'products' },
    write: (l) => lines.push(l),
  });
  return { log, lines };
}

describe('readable log lines (a terminal)', () => {
  it('puts time, level, service, message and fields on one line', () => {
    const { log, lines } = pretty();
    log.child({ requestId: 'r-1' }).info('request', { method: 'GET', path: '/products/x', status: 200, ms: 1.5 });
    expect(lines).toHaveLength(1);
    const line = lines[0] as string;
    expect(line).toMatch(LINE);
    expect(line).toMatch(
      / INFO {2}products {2}request requestId=r-1 method=GET path=\/products\/x status=200 ms=1\.5\n$/,
    );
    expect(line).not.toContain(ESC);
  });

  it('quotes values with spaces, quotes or control characters, so one value never reads as two or moves the cursor', () => {
    const { log, lines } = pretty();
    log.warn('odd', {
      note: 'two words',
      eq: 'a=b',
      evil: 'x\u001b[2J\nfake 12:00:00.000 ERROR line',
      list: ['a', 'b'],
    });
    const line = lines[0] as string;
    expect(line.trimEnd().split('\n')).toHaveLength(1);
    expect(line).toContain('note="two words"');
    expect(line).toContain('eq="a=b"');
    expect(line).toContain('evil="x\\u001b[2J\\nfake 12:00:00.000 ERROR line"');
    expect(line).toContain('list=a,b');
  });

  it('hides secrets as the JSON lines do', () => {
    const { log, lines } = pretty();
    log.info('connecting', {
      password: 'hunter2',
      url: 'amqps://admin:s3cr3t@broker:5671',
      headers: { authorization: 'Bearer abc.def' },
    });
    const line = lines[0] as string;
    for (const secret of ['hunter2', 's3cr3t', 'abc.def']) expect(line).not.toContain(secret);
    expect(line).toContain('password=[redacted]');
  });

  it('shows an error as its name and message, and under an error line where it was thrown', () => {
    const { log, lines } = pretty();
    const err = Object.assign(new TypeError('boom'), { code: 'E_BOOM' });
    log.warn('handler failed', { err });
    log.error('unhandled error', { err });
    expect(lines[0]).toContain('err="TypeError: boom [E_BOOM]"');
    expect((lines[0] as string).trimEnd().split('\n')).toHaveLength(1); // warnings stay one line
    const errorLines = (lines[1] as string).trimEnd().split('\n');
    expect(errorLines[0]).toMatch(LINE);
    expect(errorLines.length).toBeGreaterThan(1);
    expect(errorLines[1]).toMatch(/^ {4}at .*log-pretty\.test\.ts/);
    expect(lines[1]).not.toMatch(/node_modules|node:internal/);
  });

  it('colours level, service and time, and only then', () => {
    const plain = pretty(false);
    const coloured = pretty(true);
    for (const { log } of [plain, coloured]) log.error('down', { n: 1 });
    expect(plain.lines[0]).not.toContain(ESC);
    expect(coloured.lines[0]).toContain(`${ESC}31;1mERROR`);
    const withoutTime = (line = '') => line.slice(line.indexOf(' '));
    expect(withoutTime(stripVTControlCharacters(coloured.lines[0] ?? ''))).toBe(withoutTime(plain.lines[0]));
  });

  it('drops lines below the level, and keeps bindings first and unshadowed', () => {
    const lines: string[] = [];
    const log = createLogger({ format: 'pretty', colour: false, level: 'warn', write: (l) => lines.push(l) });
    log.info('hidden');
    log.child({ service: 'gateway', requestId: 'r' }).warn('shown', { requestId: 'other', level: 'x' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ WARN {2}gateway {3}shown requestId=r\n$/);
  });
});

describe('which format', () => {
  it('auto: readable on a terminal, JSON otherwise; JSON unless asked', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat(undefined, true)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });

  // A real terminal: `script` (util-linux, on every Debian) runs the child on a pseudo-terminal.
  const log = fileURLToPath(new URL('../src/log.ts', import.meta.url));
  const child = `const { loggerFromSettings } = await import(${JSON.stringify(log)});
    const env = process.env;
    loggerFromSettings({ LOG_LEVEL: 'info', LOG_FORMAT: env.F || 'auto', NO_COLOR: env.NO_COLOR }, { service: 'x' }).info('hello', { n: 1 });`;
  const run = (env: Record<string, string>, terminal: boolean) => {
    const node = [process.execPath, '--input-type=module', '-e', child];
    const quoted = node.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const options = { encoding: 'utf8' as const, env: { PATH: process.env.PATH ?? '', ...env } };
    return terminal
      ? execFileSync('script', ['-qec', quoted, '/dev/null'], options)
      : execFileSync(node[0] as string, node.slice(1), options);
  };

  it('writes JSON to a pipe, readable coloured lines to a terminal, plain with NO_COLOR, JSON when LOG_FORMAT=json', () => {
    expect(JSON.parse(run({}, false))).toMatchObject({ level: 'info', service: 'x', msg: 'hello', n: 1 });
    const onTerminal = run({}, true);
    expect(onTerminal).toContain(ESC);
    expect(stripVTControlCharacters(onTerminal)).toMatch(/INFO {2}x {9}hello n=1\r?\n$/);
    const noColour = run({ NO_COLOR: '1' }, true);
    expect(noColour).not.toContain(ESC);
    expect(noColour).toMatch(/INFO {2}x {9}hello n=1\r?\n$/);
    expect(JSON.parse(run({ F: 'json' }, true).trim())).toMatchObject({ msg: 'hello' });
  });
});
