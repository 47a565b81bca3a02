import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { multilineText, queryInt, text } from '../src/schemas.ts';

describe('text', () => {
  const line = text(50);
  const para = multilineText(50);

  it('takes ordinary text in any script, as sent', () => {
    for (const s of ['Kaffee', ' spaced ', 'Crème brûlée', 'коф', '咖啡', 'emoji ☕', 'שלום']) {
      expect(line.parse(s)).toBe(s);
    }
  });

  it('refuses NUL and other control characters, lone surrogates and bidi overrides', () => {
    for (const s of [
      'a\u0000b',
      'tab\there',
      'new\nline',
      'esc\u001b[31m',
      'c1\u0085',
      '\ud800x',
      'x\udfff',
      'evil\u202egnp.exe',
      'iso\u2066late',
    ]) {
      expect(line.safeParse(s).success, JSON.stringify(s)).toBe(false);
    }
  });

  it('multiline text takes newlines and tabs but nothing else of the kind', () => {
    expect(para.parse('one\ntwo\r\n\tthree')).toBe('one\ntwo\r\n\tthree');
    for (const s of ['a\u0000', 'bell\u0007', '\ud83dalone', 'x\u202dy']) expect(para.safeParse(s).success).toBe(false);
  });

  it('publishes its rules as the pattern of the OpenAPI document, which agrees with them on well-formed text', () => {
    const samples = [
      'Kaffee',
      'emoji ☕ \u{1F600}',
      'a\u0000b',
      'tab\tin',
      'new\nline',
      'cr\r',
      'del\u007f',
      'c1\u0085',
      'alm\u061c',
      'rlo\u202e',
      'iso\u2067',
      'nbsp\u00a0ok',
    ];
    for (const [schema, name] of [
      [line, 'text'],
      [para, 'multilineText'],
    ] as const) {
      const { pattern } = z.toJSONSchema(schema, { io: 'input' }) as { pattern: string };
      const published = new RegExp(pattern, 'u');
      for (const s of samples)
        expect(published.test(s), `${name} ${JSON.stringify(s)}`).toBe(schema.safeParse(s).success);
    }
  });

  it('says which rule was broken', () => {
    expect(line.safeParse('a\u0000').error?.issues[0]?.message).toBe('must be one line of text');
    expect(line.safeParse('\ud800').error?.issues[0]?.message).toMatch(/unpaired surrogates/);
    expect(line.safeParse('\u202e').error?.issues[0]?.message).toMatch(/bidirectional/);
  });
});

describe('queryInt', () => {
  const limit = queryInt(1, 100, 20);

  it('takes plain decimal digits within bounds, and the default when absent', () => {
    expect(limit.parse('7')).toBe(7);
    expect(limit.parse('100')).toBe(100);
    expect(limit.parse(undefined)).toBe(20);
  });

  it('is documented as the integer it is, with its bounds', () => {
    expect(z.toJSONSchema(z.object({ limit: queryInt(1, 100, 20) }), { io: 'input' }).properties).toEqual({
      limit: { type: 'integer', minimum: 1, maximum: 100 },
    });
  });

  it('refuses every other spelling of a number', () => {
    for (const s of ['0x10', '1e2', ' 7', '7 ', '+7', '-1', '07', '1.0', 'Infinity', '', '101', '0']) {
      expect(limit.safeParse(s).success, JSON.stringify(s)).toBe(false);
    }
  });
});
