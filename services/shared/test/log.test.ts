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
});
