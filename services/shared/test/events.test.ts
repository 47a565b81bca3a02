import { describe, expect, it } from 'vitest';
import { createEvent, MalformedEventError, parseEvent } from '../src/events.ts';
import { uuidv7 } from '../src/ids.ts';

describe('events', () => {
  it('round-trips through JSON with the envelope', () => {
    const event = createEvent('stock.reserved', { orderId: uuidv7() }, 'products');
    expect(event).toMatchObject({ type: 'stock.reserved', source: 'products' });
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('refuses to build an event whose data breaks its schema', () => {
    expect(() => createEvent('stock.reserved', { orderId: 'nope' }, 'products')).toThrow();
  });

  it('refuses malformed envelopes, unknown types and bad data', () => {
    const good = createEvent(
      'order.rejected',
      { orderId: uuidv7(), customerId: 'c', reason: 'OUT_OF_STOCK' },
      'shopping',
    );
    expect(() => parseEvent({ ...good, id: 'x' })).toThrow(MalformedEventError);
    expect(() => parseEvent({ ...good, type: 'order.exploded' })).toThrow(MalformedEventError);
    expect(() => parseEvent({ ...good, data: { orderId: good.data.orderId } })).toThrow(/bad order.rejected data/);
    expect(() => parseEvent('text')).toThrow(MalformedEventError);
  });

  it('uuidv7 ids sort by creation time', () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(a < b).toBe(true);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
