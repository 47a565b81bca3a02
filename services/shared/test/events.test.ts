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

  it('carries the trace context it was created in, and drops a malformed one rather than the event', () => {
    const plain = createEvent('stock.reserved', { orderId: uuidv7() }, 'products');
    expect('traceparent' in plain).toBe(false); // no span active: nothing added to the envelope
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(parseEvent({ ...plain, traceparent }).traceparent).toBe(traceparent);
    const dropped = parseEvent({ ...plain, traceparent: '00-not-a-trace-01' });
    expect(dropped).toEqual(plain);
    expect('traceparent' in dropped).toBe(false);
  });

  it('uuidv7 ids sort by creation time, also within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 10))
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(ids[0]?.slice(0, 8) ?? '', 16)).toBeGreaterThan(0x01900000); // a 2024+ timestamp
  });
});
