import { describe, expect, it } from 'vitest';
import { Slots } from '../src/api.ts';

/** Takes `n` slots, then gives them back, each with `latencyMs`; answers how many were let in. */
function round(slots: Slots, n: number, latencyMs: number): number {
  let taken = 0;
  for (let i = 0; i < n; i++) if (slots.tryTake()) taken++;
  for (let i = 0; i < taken; i++) slots.give(latencyMs);
  return taken;
}

describe('Slots', () => {
  it('a fixed limit without a latency target: MAX_IN_FLIGHT and no more', () => {
    const slots = new Slots(3);
    expect(round(slots, 10, 5_000)).toBe(3);
    expect(round(slots, 10, 5_000)).toBe(3);
  });

  it('lets in fewer at once while requests are slower than the target, never below the floor', () => {
    const slots = new Slots({ max: 200, targetMs: 100, windowMs: 0, min: 4 });
    expect(round(slots, 150, 20)).toBe(150); // fast: all of them
    const limits: number[] = [];
    for (let i = 0; i < 12; i++) {
      round(slots, 150, 400);
      limits.push(slots.limit);
    }
    expect(limits[0]).toBeLessThan(150);
    expect(limits.every((l, i) => i === 0 || l <= (limits[i - 1] as number))).toBe(true);
    expect(slots.limit).toBe(4);
  });

  it('grows back, a step at a time, once requests are fast again and the limit refused some', () => {
    const slots = new Slots({ max: 100, targetMs: 100, windowMs: 0, min: 4 });
    for (let i = 0; i < 10; i++) round(slots, 100, 1_000);
    const low = slots.limit;
    const grown: number[] = [];
    for (let i = 0; i < 80; i++) {
      round(slots, 100, 10);
      grown.push(slots.limit);
    }
    expect(grown[4]).toBeGreaterThan(low); // a window needs a few requests to judge
    for (let i = 1; i < grown.length; i++) {
      const step = (grown[i] as number) - (grown[i - 1] as number);
      expect(step).toBeLessThanOrEqual(Math.max(1, Math.ceil((grown[i - 1] as number) * 0.1)));
    }
    expect(slots.limit).toBe(100);
  });

  it('requests slow by design are not held to the latency limit, and while one runs the others are not judged', () => {
    const slots = new Slots({ max: 50, targetMs: 100, windowMs: 0, min: 4 });
    // three sign-ins hash passwords: the reads are slow only because of the CPU they share
    expect([1, 2, 3].map(() => slots.tryTake(true))).toEqual([true, true, true]);
    for (let i = 0; i < 10; i++) round(slots, 10, 1_000);
    expect(slots.limit).toBe(50);
    for (let i = 0; i < 3; i++) slots.give(undefined, true);
    round(slots, 10, 1_000); // the window the last sign-in ended in is not judged either
    expect(slots.limit).toBe(50);
    for (let i = 0; i < 5; i++) round(slots, 10, 1_000);
    expect(slots.limit).toBeLessThan(50); // with no sign-in running, slow answers cut it
    for (let i = 0; i < 10; i++) round(slots, 50, 1_000);
    expect(slots.limit).toBe(4);
    // at the floor, sign-ins still get in, and take none of the four slots of the fast requests
    expect([1, 2, 3].map(() => slots.tryTake(true))).toEqual([true, true, true]);
    expect(round(slots, 10, 50)).toBe(4);
  });

  it('a slot of MAX_IN_FLIGHT is a slot, slow or not', () => {
    const slots = new Slots({ max: 3, targetMs: 100, windowMs: 0 });
    expect([slots.tryTake(true), slots.tryTake(true), slots.tryTake(), slots.tryTake(), slots.tryTake(true)]).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('requests slow by design (no latency given) change nothing', () => {
    const slots = new Slots({ max: 50, targetMs: 100, windowMs: 0 });
    for (let i = 0; i < 20; i++) {
      for (let j = 0; j < 50; j++) slots.tryTake();
      for (let j = 0; j < 50; j++) slots.give();
    }
    expect(slots.limit).toBe(50);
  });
});
