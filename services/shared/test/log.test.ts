import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger, redact } from '../src/log.ts';

describe('logger', () => {
  it('writes one JSON object per line with level, bindings and fields', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', bindings: { service: 'x' }, write: (l) => lines.push(l) });
    log.debug('hidden');
    log.child({ requestId: 'r1' }).info('hello', { status: 200 });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({ level: 'info', service: 'x', requestId: 'r1', msg: 'hello', status: 200 });
    expect(lines[0]?.endsWith('\n')).toBe(true);
  });

  it('never prints secrets: secret-named keys, URL credentials, bearer tokens', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    log.info('connecting', {
      password: 'hunter2',
      headers: { Authorization: 'Bearer abc.def.ghi' },
      url: 'amqps://admin:s3cr3t@broker.example:5671',
      note: 'sent Bearer eyJhbGciOi.payload.sig to upstream',
      nested: { jwtSecret: 'k', deeper: [{ apiKey: 'z' }] },
    });
    const text = lines.join('');
    for (const secret of ['hunter2', 'abc.def.ghi', 's3cr3t', 'eyJhbGciOi', '"k"', '"z"'])
      expect(text).not.toContain(secret);
    expect(text).toContain('broker.example');
  });

  it('redacts inside error messages and keeps error names', () => {
    const out = redact(new Error('cannot reach mongodb://u:pw@db:27017/x')) as { name: string; message: string };
    expect(out.name).toBe('Error');
    expect(out.message).not.toContain('pw');
    expect(out.message).toContain('db:27017');
  });

  it('keeps one value per key: fields never shadow time, level, msg or bindings', () => {
    const lines: string[] = [];
    const log = createLogger({ bindings: { service: 'x' }, write: (l) => lines.push(l) });
    log.warn('careful', { level: 'debug', service: 'y', msg: 'other', time: 0, count: 2, skipped: undefined });
    const line = lines[0] as string;
    expect(JSON.parse(line)).toMatchObject({ level: 'warn', service: 'x', msg: 'careful', count: 2 });
    for (const key of ['time', 'level', 'msg', 'service']) expect(line.split(`"${key}":`)).toHaveLength(2);
    expect(line).not.toContain('skipped');
  });

  it('writes to stdout in batches and loses nothing when the process exits at once', () => {
    const log = fileURLToPath(new URL('../src/log.ts', import.meta.url));
    const script = `
      const { createLogger } = await import(${JSON.stringify(log)});
      const a = createLogger({ bindings: { service: 'a' } });
      const b = createLogger({ bindings: { service: 'b' } });
      for (let i = 0; i < 500; i++) (i % 2 ? a : b).info('line', { i });
      process.exit(3);`;
    let stdout = '';
    try {
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    } catch (err) {
      expect((err as { status: number }).status).toBe(3);
      stdout = (err as { stdout: string }).stdout;
    }
    const entries = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(entries.map((e) => e.i)).toEqual([...Array(500).keys()]);
  });
});
