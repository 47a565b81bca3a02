/**
 * The database answers the queries the stores make as MongoDB does. On the FerretDB stand-in this
 * checks its patched query pushdown (.ci/ferretdb-sqlite-pushdown.patch): SQLite gets the simple
 * terms of a filter, so a term it narrowed wrongly would drop documents MongoDB returns.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from './helpers.ts';

/** Strings a pushed-down equality must match exactly as stored (escaping, Unicode, a leading '['). */
const strings = ['plain', 'a&b<c>d', 'quote"q', 'back\\slash', 'é ü 😀', 'slash/x', '', '[bracket'];
const values: unknown[] = [...strings, 42, null, true, ['plain', 'other'], ['a&b<c>d'], { x: 'plain' }];

describe('queries on the database', () => {
  const db = testDatabase('queries');
  const docs = db.collection<{ _id: string; f?: unknown; g: string }>('docs');

  beforeAll(async () => {
    await docs.createIndex({ f: 1 });
    await docs.insertMany([
      ...values.map((f, i) => ({ _id: `d${i}`, f, g: i % 2 === 0 ? 'even' : 'odd' })),
      { _id: 'nof', g: 'even' },
    ]);
  });

  const ids = (found: Array<{ _id: string }>) => found.map((d) => d._id).sort();

  it('equality on a field: the documents holding that string, or an array with it, and no others', async () => {
    for (const q of [...strings, 'other', 'none']) {
      const expected = values.flatMap((f, i) => (f === q || (Array.isArray(f) && f.includes(q)) ? [`d${i}`] : []));
      expect(ids(await docs.find({ f: q }).toArray()), JSON.stringify(q)).toEqual(expected.sort());
    }
  });

  it('equality on two fields, and on _id with another field', async () => {
    expect(ids(await docs.find({ f: 'plain', g: 'even' }).toArray())).toEqual(['d0']);
    expect(ids(await docs.find({ f: 'plain', g: 'odd' }).toArray())).toEqual(['d11']);
    expect(ids(await docs.find({ _id: 'd0', f: 'plain' }).toArray())).toEqual(['d0']);
    expect(await docs.find({ _id: 'd0', f: 'other' }).toArray()).toEqual([]);
    expect((await docs.deleteOne({ _id: 'd1', g: 'even' })).deletedCount).toBe(0);
  });

  it('_id in a list', async () => {
    expect(ids(await docs.find({ _id: { $in: ['d1', 'd3', 'missing'] } }).toArray())).toEqual(['d1', 'd3']);
    expect(ids(await docs.find({ _id: { $in: ['d1', 'd3'] }, g: 'odd' }).toArray())).toEqual(['d1', 'd3']);
  });

  it('what is not a string equality still means what it means', async () => {
    expect(ids(await docs.find({ f: 42 }).toArray())).toEqual(['d8']);
    expect(ids(await docs.find({ f: null }).toArray())).toEqual(['d9', 'nof']);
    expect(ids(await docs.find({ f: { $in: ['plain', 42] } }).toArray())).toEqual(['d0', 'd11', 'd8']);
    expect(ids(await docs.find({ 'f.x': 'plain' }).toArray())).toEqual(['d13']);
  });
});
