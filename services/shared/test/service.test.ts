import { describe, expect, it } from 'vitest';
import { defineService } from '../src/service.ts';

const manifest = (name: string, publishes: string[] = []) =>
  ({
    name,
    description: 'test',
    publishes,
    stores: { memory: () => ({}), mongo: () => ({}) },
    deploy: { priority: 99 },
    routes: () => [],
  }) as unknown as Parameters<typeof defineService>[0];

describe('defineService', () => {
  it('takes names every AWS resource of the service can carry: 2-16 characters, single dashes', () => {
    for (const name of ['ab', 'reviews', 'gift-cards', 'a1-b2-c3', 'sixteen-chars-ok']) {
      expect(defineService(manifest(name)).name, name).toBe(name);
    }
    for (const name of ['a', 'Reviews', 'gift--cards', '-gift', 'gift-', '1abc', 'gift_cards', 'seventeen-chars-x']) {
      expect(() => defineService(manifest(name)), name).toThrow(/2-16 lower-case letters/);
    }
  });

  it('refuses event types the platform does not define', () => {
    expect(() => defineService(manifest('reviews', ['order.shipped']))).toThrow(/order.shipped is not an event type/);
  });
});
