import { describe, expect, it } from 'vitest';
import { baseConfigSchema, ConfigError, parseConfig } from '../src/config.ts';

const secret = 'x'.repeat(32);

describe('parseConfig', () => {
  it('applies defaults and coerces numbers', () => {
    const config = parseConfig(baseConfigSchema, { JWT_SECRET: secret, PORT: '3001' });
    expect(config.PORT).toBe(3001);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.MONGO_URL).toBeUndefined();
    expect(config.BODY_LIMIT_BYTES).toBe(64 * 1024);
  });

  it('names every missing or bad variable in one message', () => {
    expect(() => parseConfig(baseConfigSchema, { PORT: 'eighty', MONGO_URL: 'postgres://x' })).toThrowError(
      ConfigError,
    );
    try {
      parseConfig(baseConfigSchema, { PORT: 'eighty', MONGO_URL: 'postgres://x' });
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toMatch(/JWT_SECRET is required/);
      expect(message).toMatch(/PORT must be a whole number from 0 to 65535/);
      expect(message).not.toMatch(/PORT is required/);
      expect(message).toMatch(/MONGO_URL must start with mongodb/);
    }
  });

  it('takes a BASE_PATH (a preview’s /pr-42), and refuses one that is no path', () => {
    expect(parseConfig(baseConfigSchema, { JWT_SECRET: secret, BASE_PATH: '/pr-42' }).BASE_PATH).toBe('/pr-42');
    expect(parseConfig(baseConfigSchema, { JWT_SECRET: secret }).BASE_PATH).toBeUndefined();
    for (const BASE_PATH of ['pr-42', '/pr-42/', '/PR-42', '/pr 42', '//x']) {
      expect(() => parseConfig(baseConfigSchema, { JWT_SECRET: secret, BASE_PATH })).toThrowError(
        /^invalid configuration: BASE_PATH must be \/segment\[\/segment\.\.\.\] \(lower case\) without a trailing slash$/,
      );
    }
  });

  it('refuses numbers spelt any other way, and out of range', () => {
    for (const PORT of ['abc', '0x50', '8e3', '80.5', '70000', '-1']) {
      expect(() => parseConfig(baseConfigSchema, { JWT_SECRET: secret, PORT })).toThrowError(
        /^invalid configuration: PORT must be a whole number from 0 to 65535$/,
      );
    }
  });

  it('takes further accepted JWT keys and every admin email, lower-cased', () => {
    const config = parseConfig(baseConfigSchema, {
      JWT_SECRET: secret,
      JWT_ACCEPTED_SECRETS: ` ${'y'.repeat(32)}, ,${'z'.repeat(40)}`,
      ADMIN_EMAILS: 'Boss@Example.com, ops@example.com',
    });
    expect(config.JWT_ACCEPTED_SECRETS).toEqual(['y'.repeat(32), 'z'.repeat(40)]);
    expect(config.ADMIN_EMAILS).toEqual(['boss@example.com', 'ops@example.com']);
    expect(() => parseConfig(baseConfigSchema, { JWT_SECRET: secret, JWT_ACCEPTED_SECRETS: 'short' })).toThrowError(
      /JWT_ACCEPTED_SECRETS.*at least 32/,
    );
  });

  it('refuses a short JWT secret', () => {
    expect(() => parseConfig(baseConfigSchema, { JWT_SECRET: 'short' })).toThrowError(/JWT_SECRET must be at least 32/);
  });

  it('takes database credentials apart from the URL, as ECS injects them from the RDS secret', () => {
    const config = parseConfig(baseConfigSchema, {
      JWT_SECRET: secret,
      MONGO_URL: 'mongodb://db.example:27017/customer?tls=true&retryWrites=false',
      MONGO_USERNAME: 'platform',
      MONGO_PASSWORD: 'p@ss:word',
    });
    expect(config).toMatchObject({ MONGO_USERNAME: 'platform', MONGO_PASSWORD: 'p@ss:word' });
  });

  it('treats empty values as unset', () => {
    const config = parseConfig(baseConfigSchema, { JWT_SECRET: secret, AMQP_URL: '', LOG_LEVEL: '' });
    expect(config.AMQP_URL).toBeUndefined();
    expect(config.LOG_LEVEL).toBe('info');
  });
});
