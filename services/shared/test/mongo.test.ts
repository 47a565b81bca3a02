import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { databaseFromUrl, mongoClientOptions } from '../src/mongo.ts';

const base = { defaultDatabase: 'shop', appName: 'shop' };
/** The options the driver ends up with (it parses the URL and the object together; no connection). */
const effective = (url: string, extra: object = {}) =>
  new MongoClient(url, mongoClientOptions({ url, ...base, ...extra })).options;

describe('MongoDB client options', () => {
  it('keeps what the URL says: retryWrites, TLS, pool size', () => {
    const opts = effective('mongodb://db.example:27017/shop?tls=true&retryWrites=false&maxPoolSize=7');
    expect([opts.retryWrites, opts.tls, opts.maxPoolSize]).toEqual([false, true, 7]);
  });

  it('a pool of 50 when the URL names none; TLS with the CA file; credentials apart from the URL', () => {
    const opts = effective('mongodb://db.example:27017/', {
      tlsCAFile: '/etc/ssl/rds.pem',
      username: 'svc',
      password: 'pw',
    });
    expect([opts.maxPoolSize, opts.tls, opts.tlsCAFile, opts.credentials?.username]).toEqual([
      50,
      true,
      '/etc/ssl/rds.pem',
      'svc',
    ]);
  });

  it('takes the database from the URL path, else none', () => {
    expect(databaseFromUrl('mongodb://h:1/orders?tls=true')).toBe('orders');
    expect(databaseFromUrl('mongodb://h:1/?tls=true')).toBeUndefined();
    expect(databaseFromUrl('mongodb+srv://u:p@cluster.example/app')).toBe('app');
  });
});
