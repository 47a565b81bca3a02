/** The bundle's stand-ins (scripts/shims) behave like the packages they replace. */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const real = require('@mongodb-js/saslprep') as (input: string, opts?: { allowUnassigned?: boolean }) => string;
const lazy = require('../shims/saslprep.cjs') as typeof real & { saslprep: typeof real };

describe('saslprep stand-in (loads the tables on first use)', () => {
  it('prepares strings as the real module does (RFC 4013 examples)', () => {
    for (const input of ['I\u00ADX', 'user', '\u00AA', 'IX', 'p\u00A0ss word', '\u2168']) {
      expect(lazy(input)).toBe(real(input));
      expect(lazy.saslprep(input)).toBe(real(input));
    }
    expect(lazy('I\u00ADX')).toBe('IX');
  });

  it('rejects what the real module rejects', () => {
    expect(() => real('\u0007')).toThrow();
    expect(() => lazy('\u0007')).toThrow(/prohibited/i);
    expect(() => lazy('\u0627\u0031')).toThrow(/bidirectional/i);
  });
});
