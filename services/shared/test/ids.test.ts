import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { byCodeUnits, uuidv7 } from '../src/ids.ts';

describe('byCodeUnits', () => {
  it('orders ids and ISO timestamps as localeCompare does', () => {
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < 2_000; i++) {
      pairs.push([uuidv7(), uuidv7()], [randomUUID(), randomUUID()]);
      const at = () => new Date(Date.UTC(2000, 0, 1) + Math.floor(Math.random() * 1e12)).toISOString();
      pairs.push([at(), at()]);
    }
    for (const [a, b] of pairs) expect(byCodeUnits(a, b), `${a} ${b}`).toBe(Math.sign(a.localeCompare(b)));
    expect(byCodeUnits('a', 'a')).toBe(0);
  });

  it('sorts uuidv7 ids in the order they were made', () => {
    const made = Array.from({ length: 500 }, () => uuidv7());
    expect([...made].reverse().sort(byCodeUnits)).toEqual(made);
  });
});
