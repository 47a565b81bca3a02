import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { baseConfigSchema, ConfigError, parseConfig, tracesExporterOf } from '../src/config.ts';

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
        `invalid configuration: BASE_PATH must be /segment[/segment...] (lower case) without a trailing slash (got ${JSON.stringify(BASE_PATH)})`,
      );
    }
  });

  it('refuses numbers spelt any other way, and out of range', () => {
    for (const PORT of ['abc', '0x50', '8e3', '80.5', '70000', '-1']) {
      expect(() => parseConfig(baseConfigSchema, { JWT_SECRET: secret, PORT })).toThrowError(
        new RegExp(`^invalid configuration: PORT must be a whole number from 0 to 65535 \\(got "${PORT}"\\)$`),
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

  it('sends traces only where told: an OTLP endpoint, or the console; sampling a share from 0 to 1', () => {
    const traced = (env: Record<string, string>) => parseConfig(baseConfigSchema, { JWT_SECRET: secret, ...env });
    expect(tracesExporterOf(traced({}))).toBe('none');
    expect(tracesExporterOf(traced({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318' }))).toBe('otlp');
    expect(tracesExporterOf(traced({ OTEL_TRACES_EXPORTER: 'console' }))).toBe('console');
    expect(traced({ OTEL_TRACES_SAMPLER_ARG: '0.25' }).OTEL_TRACES_SAMPLER_ARG).toBe(0.25);
    expect(traced({}).OTEL_TRACES_SAMPLER_ARG).toBe(1);
    for (const bad of ['1.5', '-0.1', 'half']) {
      expect(() => traced({ OTEL_TRACES_SAMPLER_ARG: bad }), bad).toThrowError(
        /OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1/,
      );
    }
    expect(() => traced({ OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' })).toThrowError(
      /OTEL_EXPORTER_OTLP_ENDPOINT must be an http/,
    );
    expect(() => traced({ METRICS_NAMESPACE: 'platform/prod;drop' })).toThrowError(/METRICS_NAMESPACE/);
    expect(traced({ METRICS_NAMESPACE: 'platform/production' }).METRICS_NAMESPACE).toBe('platform/production');
  });

  it('treats empty values as unset', () => {
    const config = parseConfig(baseConfigSchema, { JWT_SECRET: secret, AMQP_URL: '', LOG_LEVEL: '' });
    expect(config.AMQP_URL).toBeUndefined();
    expect(config.LOG_LEVEL).toBe('info');
  });
});

describe('what a bad setting is told', () => {
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      parseConfig(baseConfigSchema, { JWT_SECRET: secret, ...env });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems;
    }
    return [];
  };
  const ZOD_WORDING = /Invalid (input|option|string)|expected \w+, received|Too (small|big)|>=|<=/;

  it('names the variable, the rule and the value given, one line per variable', () => {
    expect(problemsOf({ PORT: 'abc', LOG_LEVEL: 'loud', AMQP_PREFETCH: '0', LOG_FORMAT: 'xml' })).toEqual([
      'PORT must be a whole number from 0 to 65535 (got "abc")',
      'LOG_LEVEL must be one of debug, info, warn, error, silent (got "loud")',
      'LOG_FORMAT must be one of auto, json, pretty (got "xml")',
      'AMQP_PREFETCH must be a whole number from 1 to 1000 (got "0")',
    ]);
  });

  it('says for every setting what is wrong in its own words, never zod’s, never "is required" for a value given', () => {
    const variables = Object.keys(baseConfigSchema.shape);
    const odd = ['abc', '-1', '99999999999', ' ', 'x'.repeat(300), 'mongodb:/x', '1.5'];
    let refused = 0;
    for (const name of variables) {
      for (const value of odd) {
        for (const problem of problemsOf({ [name]: value })) {
          refused++;
          expect(problem.startsWith(`${name} `), problem).toBe(true);
          expect(problem, problem).not.toMatch(ZOD_WORDING);
          expect(problem, problem).not.toMatch(/is required/);
          expect(problem, problem).toMatch(/\(got (".*"|\d+ characters, not shown)\)$/);
        }
      }
    }
    expect(refused).toBeGreaterThan(variables.length); // most settings refuse most of these
  });

  it('never repeats a secret, and masks the credentials of a URL', () => {
    const problems = problemsOf({
      JWT_SECRET: 'hunter2',
      JWT_ACCEPTED_SECRETS: 'letmein',
      MONGO_URL: 'postgres://bob:s3cr3t@db.example/x',
      AMQP_URL: 'http://guest:guest@broker.example',
    });
    const text = problems.join('\n');
    for (const secretValue of ['hunter2', 'letmein', 's3cr3t', 'guest:guest']) expect(text).not.toContain(secretValue);
    expect(text).toContain('JWT_SECRET must be at least 32 characters (got 7 characters, not shown)');
    expect(text).toContain(
      'MONGO_URL must start with mongodb:// or mongodb+srv:// (got "postgres://***@db.example/x")',
    );
    expect(text).toContain('AMQP_URL must start with amqp:// or amqps:// (got "http://***@broker.example")');
  });

  it('says how to make up a required value', () => {
    expect(() => parseConfig(baseConfigSchema, {})).toThrowError(
      'invalid configuration: JWT_SECRET is required: a random key of at least 32 characters, e.g. JWT_SECRET=$(openssl rand -base64 32)',
    );
  });

  it('cuts a long value and shows control characters escaped', () => {
    const [problem] = problemsOf({ LOG_LEVEL: `a\u001b[31m${'b'.repeat(200)}` });
    expect(problem).toContain('\\u001b[31m');
    expect(problem).not.toContain('\u001b');
    expect(problem?.length).toBeLessThan(200);
  });

  it('words the rules of settings a service adds without a message of its own', () => {
    const schema = baseConfigSchema.extend({
      REGION: z.string().min(9),
      MODE: z.enum(['a', 'b']),
      RATIO: z.coerce.number().max(1),
    });
    try {
      parseConfig(schema, { JWT_SECRET: secret, REGION: 'eu', MODE: 'c', RATIO: 'x' });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        'REGION must be at least 9 characters (got "eu")',
        'MODE must be one of a, b (got "c")',
        'RATIO must be a number (got "x")',
      ]);
    }
  });
});
