/** The ops CLI's pure parts: where a command points, how it prints, how errors read. */
import { describe, expect, it } from 'vitest';
import { type Context, readTfvars, resolveNames, variableDefault } from '../lib/ops/context.ts';
import { describeError, OpsError } from '../lib/ops/errors.ts';
import { formatLogEvent, parseSince, table } from '../lib/ops/format.ts';
import { parseKeys, serializeKeys } from '../lib/ops/rotate-jwt.ts';
import { renderStatus, type ServiceStatus } from '../lib/ops/status.ts';

describe('where a command points', () => {
  it('reads the name, environment and region from the tfvars, the name defaulting to variables.tf', () => {
    expect(
      readTfvars('environment = "production"\nregion      = "eu-west-1" # here\n# name = "x"\nservices = {\n'),
    ).toEqual({ environment: 'production', region: 'eu-west-1' });
    expect(variableDefault('variable "name" {\n  type = string\n  default     = "platform"\n}\n', 'name')).toBe(
      'platform',
    );
    const names = resolveNames({ env: 'staging' }, {});
    expect(names).toMatchObject({
      cluster: 'platform-staging',
      region: 'eu-west-1',
      jwtSecret: 'platform-staging/jwt-keys',
    });
    expect(names.logGroup('products')).toBe('/ecs/platform-staging/products');
    expect(names.family('products')).toBe('platform-staging-products');
  });

  it('takes the region from --region, then AWS_REGION, then the tfvars', () => {
    expect(resolveNames({ env: 'production' }, { AWS_REGION: 'us-east-2' }).region).toBe('us-east-2');
    expect(resolveNames({ env: 'production', region: 'ap-south-1' }, { AWS_REGION: 'us-east-2' }).region).toBe(
      'ap-south-1',
    );
    expect(() => resolveNames({ env: '../x' }, {})).toThrow(/--env must be an environment name/);
  });
});

describe('log lines', () => {
  it('puts time, level, task, message and request id first, the rest as key=value', () => {
    const line = formatLogEvent({
      timestamp: 0,
      logStreamName: 'shopping/shopping/0123456789abcdef',
      message:
        '{"time":"2026-01-01T00:00:00.000Z","level":"warn","service":"shopping","msg":"order rejected","requestId":"r-1","orderId":"o 1","items":[1,2]}\n',
    });
    expect(line).toBe(
      '2026-01-01T00:00:00.000Z WARN  [01234567] order rejected requestId=r-1 service=shopping orderId="o 1" items=[1,2]',
    );
    expect(formatLogEvent({ timestamp: 0, message: '{"not":"closed"' })).toBe(
      '1970-01-01T00:00:00.000Z {"not":"closed"',
    );
    expect(formatLogEvent({ timestamp: 0, message: '{"level":"error","msg":"x"}' }, true)).toContain('\u001b[31m');
  });

  it('--since takes durations and times', () => {
    expect(parseSince('10m', 1_000_000)).toBe(400_000);
    expect(parseSince('2h', 10_000_000)).toBe(2_800_000);
    expect(parseSince('2026-01-01T00:00:00Z')).toBe(Date.UTC(2026, 0, 1));
    expect(() => parseSince('soon')).toThrow(OpsError);
  });
});

describe('status', () => {
  const ctx = { names: { cluster: 'platform-production', region: 'eu-west-1' } } as Context;
  const base: ServiceStatus = {
    service: 'products',
    running: 1,
    desired: 2,
    pending: 1,
    taskDefinition: 'arn:aws:ecs:eu-west-1:1:task-definition/platform-production-products:12',
    image: 'r/products:9c8d7e6f00112233445566778899aabbccddeeff',
    tag: '9c8d7e6f00112233445566778899aabbccddeeff',
    health: { healthy: 1, unhealthy: 1, unknown: 0 },
    rollout: 'IN_PROGRESS',
    deployments: 2,
    events: [{ at: '2026-01-01T00:00:00.000Z', message: '(service products) has started 1 tasks: (task abc).' }],
  };

  it('is a table per service and the latest events, newest first', () => {
    const lines = renderStatus(ctx, [base], Date.UTC(2026, 0, 1, 0, 5));
    expect(lines).toEqual([
      'platform-production in eu-west-1: 1 service',
      '',
      'SERVICE   RUNNING/DESIRED   TASK DEFINITION                  IMAGE    HEALTH                  ROLLOUT',
      'products  1/2 (+1 pending)  platform-production-products:12  9c8d7e6  1 healthy, 1 UNHEALTHY  IN_PROGRESS (2 deployments)',
      '',
      'Latest events',
      'SERVICE   WHEN       EVENT',
      'products  5 min ago  (service products) has started 1 tasks: (task abc).',
    ]);
    expect(table(['A', 'B'], [['long value', 'x']])).toEqual(['A           B', 'long value  x']);
  });
});

describe('JWT keys', () => {
  it('reads and writes {"signing", "accepted"} and refuses anything else', () => {
    const signing = 's'.repeat(64);
    expect(parseKeys(JSON.stringify({ signing, accepted: 'a, b,,' }), 'n')).toEqual({ signing, accepted: ['a', 'b'] });
    expect(serializeKeys({ signing, accepted: ['a', 'b'] })).toBe(JSON.stringify({ signing, accepted: 'a,b' }));
    expect(parseKeys(JSON.stringify({ signing }), 'n').accepted).toEqual([]);
    expect(() => parseKeys('just-a-key', 'n')).toThrow(/is not JSON/);
    expect(() => parseKeys(JSON.stringify({ signing: 'short' }), 'n')).toThrow(/32\+ characters/);
  });
});

describe('errors', () => {
  it('are one line saying what to do', () => {
    const named = (name: string, message: string, extra: object = {}) =>
      Object.assign(new Error(message), { name }, extra);
    expect(describeError(named('CredentialsProviderError', 'Could not load credentials from any providers'))).toMatch(
      /^no AWS credentials found: sign in first/,
    );
    expect(
      describeError(named('ExpiredTokenException', 'The security token included in the request is expired')),
    ).toMatch(/^the AWS credentials have expired/);
    expect(describeError(named('AccessDeniedException', 'not authorized to perform: ecs:UpdateService'))).toBe(
      'access denied: not authorized to perform: ecs:UpdateService',
    );
    expect(
      describeError(named('Error', 'getaddrinfo ENOTFOUND ecs.eu-west-1.amazonaws.com', { code: 'ENOTFOUND' })),
    ).toBe('cannot reach AWS (ENOTFOUND): check the network, --region and --endpoint');
    expect(describeError(named('ThrottlingException', 'Rate exceeded\n  at somewhere'))).toBe(
      'ThrottlingException: Rate exceeded',
    );
  });
});
