import * as z from 'zod';
import { settingsErrorMap, settingsProblems } from './config-messages.ts';

/** Raised when the environment does not satisfy a service's settings; names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  /** One line per bad variable (the message joins them). */
  readonly problems: string[];
  /** A list of problems, or one message said as it is. */
  constructor(problems: string[] | string) {
    super(typeof problems === 'string' ? problems : `invalid configuration: ${problems.join('; ')}`);
    this.problems = typeof problems === 'string' ? [problems] : problems;
  }
}

/** A comma-separated list, trimmed, lower-cased, empty entries dropped. */
export const csvList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim().toLowerCase())
      .filter(Boolean),
  );

/** Requests one service works on at once unless MAX_IN_FLIGHT says otherwise. */
export const DEFAULT_MAX_IN_FLIGHT = 256;
/** Writes per signed-in user and second unless USER_WRITES_PER_SECOND says otherwise. */
export const DEFAULT_USER_WRITES_PER_SECOND = 20;

/** A whole number in decimal digits, within bounds: `PORT=abc` or `PORT=8e3` is refused by name. */
export const int = (min: number, max: number, fallback: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\s*-?[0-9]+\s*$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message))
    .default(fallback);
};

/** How log lines are written (log.ts): `auto` picks readable lines when stdout is a terminal. */
export const logFormat = z.enum(['auto', 'json', 'pretty']).default('auto');

/**
 * Settings every service shares. MONGO_URL and AMQP_URL are optional: without them the service
 * runs on the embedded in-memory store and bus (local development, `npm start` on a fresh clone).
 */
export const baseConfigSchema = z.object({
  PORT: int(0, 65535, 8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** `auto`: readable lines on a terminal, JSON otherwise (CloudWatch Logs never sees a terminal). */
  LOG_FORMAT: logFormat,
  /** Any value switches colours off in readable logs (https://no-color.org). */
  NO_COLOR: z.string().optional(),
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  /** CA bundle for TLS to the database (DocumentDB: the AWS RDS global bundle). */
  MONGO_TLS_CA_FILE: z.string().min(1).optional(),
  /**
   * Credentials kept apart from MONGO_URL (in AWS they come from the RDS-managed secret, which
   * rotates on its own); used when the URL carries none.
   */
  MONGO_USERNAME: z.string().min(1).optional(),
  MONGO_PASSWORD: z.string().min(1).optional(),
  /**
   * A Secrets Manager secret (ARN or name) holding `{"username", "password"}`: DocumentDB's
   * managed master-user secret in AWS. Read at start and again whenever the database refuses the
   * credentials, because the managed password rotates (every 7 days by default).
   */
  MONGO_CREDENTIALS_SECRET: z.string().min(1).optional(),
  AMQP_URL: z
    .string()
    .regex(/^amqps?:\/\//, 'must start with amqp:// or amqps://')
    .optional(),
  AMQP_EXCHANGE: z.string().min(1).default('platform.events'),
  /**
   * A path in front of the service's own prefix, e.g. /pr-42 for a pull request's preview that
   * shares a load balancer: the service then also answers under /pr-42/<service>/.
   */
  BASE_PATH: z
    .string()
    .regex(/^(\/[a-z0-9][a-z0-9._-]*)+$/, 'must be /segment[/segment...] (lower case) without a trailing slash')
    .optional(),
  AMQP_PREFETCH: int(1, 1000, 32),
  /** The HS256 key new tokens are signed with. */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  /**
   * Other keys whose tokens still verify, comma-separated: the next key while a rotation rolls
   * out, the previous one until its tokens have expired (docs/SECURITY.md).
   */
  JWT_ACCEPTED_SECRETS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().min(32, 'each key must be at least 32 characters'))),
  JWT_TTL_SECONDS: int(60, 7 * 24 * 3600, 3600),
  /** Admin tokens live at most this long: a removed admin keeps no access for long anywhere. */
  ADMIN_TOKEN_TTL_SECONDS: int(60, 24 * 3600, 900),
  /**
   * Emails that are admins, comma-separated: customer gives them role admin at sign-up and login,
   * and every service given the list accepts admin tokens of listed emails only, so taking an
   * address off the list revokes its admin tokens with the next deployment of the setting.
   * A service without the list trusts the token's role (admin tokens expire within
   * ADMIN_TOKEN_TTL_SECONDS).
   */
  ADMIN_EMAILS: csvList,
  BODY_LIMIT_BYTES: int(1024, 10 * 1024 * 1024, 64 * 1024),
  /** How long a request may take to send its body once the route reads it (408 after). */
  BODY_TIMEOUT_MS: int(100, 60_000, 10_000),
  /** Requests a task works on at once; more get 503 with Retry-After at once instead of queueing. */
  MAX_IN_FLIGHT: int(1, 100_000, DEFAULT_MAX_IN_FLIGHT),
  /**
   * The p90 latency a task keeps its requests to: while they take longer, it works on fewer at
   * once and refuses the rest at once (503 + Retry-After). 0 switches it off (MAX_IN_FLIGHT alone).
   */
  REQUEST_LATENCY_TARGET_MS: int(0, 60_000, 250),
  /** Open connections a task keeps at once; more are answered 503 and closed. */
  MAX_CONNECTIONS: int(16, 100_000, 2048),
  /** Writes per signed-in user and second, sustained (bursts of 5 s worth); 0 switches it off. */
  USER_WRITES_PER_SECOND: int(0, 100_000, DEFAULT_USER_WRITES_PER_SECOND),
  /**
   * Proxies in front of the service that append to X-Forwarded-For: 1 behind the ALB (or nginx in
   * compose), 2 behind CloudFront and the ALB, 0 when clients connect directly. Throttles per
   * client address read the address from there.
   */
  TRUSTED_PROXY_HOPS: int(0, 5, 0),
  /** How often a service retries the events it could not publish yet (the broker was down). */
  OUTBOX_POLL_MS: int(50, 60_000, 1000),
  /**
   * How often it searches the stores for documents written before the outbox's watermarks whose
   * events were never published: at start, then again only where the last search found some;
   * dead writers are looked for every 5 s, or this often if sooner.
   */
  OUTBOX_SCAN_MS: int(100, 3_600_000, 30_000),
  SHUTDOWN_TIMEOUT_MS: int(1000, 120_000, 20_000),
  /**
   * Where traces go (docs/OBSERVABILITY.md): `otlp` (OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT: the
   * ADOT collector sidecar in AWS), `console`, or `none`. Defaults to otlp when an endpoint is set.
   */
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'console', 'none']).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .string()
    .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'must be an http:// or https:// URL, e.g. http://localhost:4318')
    .optional(),
  /** Share of traces kept, 0 to 1, decided per trace id (every hop of a trace agrees). */
  OTEL_TRACES_SAMPLER_ARG: z
    .string()
    .regex(/^\s*(0(\.\d+)?|1(\.0+)?|\.\d+)\s*$/, 'must be a number from 0 to 1')
    .transform(Number)
    .default(1),
  /**
   * CloudWatch namespace of the service's metrics (Embedded Metric Format lines on stdout, once a
   * minute); no metrics without it. Terraform sets `<name>/<environment>`.
   */
  METRICS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9 ._#:/-]{1,255}$/, 'must be 1-255 letters, digits, spaces or . _ # : / -')
    .optional(),
});

/** Where this configuration sends traces. */
export const tracesExporterOf = (c: BaseConfig) =>
  c.OTEL_TRACES_EXPORTER ?? (c.OTEL_EXPORTER_OTLP_ENDPOINT ? 'otlp' : 'none');

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/**
 * Parses the environment once at start. Empty strings count as unset, so `FOO=` in an env file
 * falls back to the default instead of failing on an empty value.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned, { error: settingsErrorMap });
  if (result.success) return result.data;
  throw new ConfigError(settingsProblems(result.error.issues, cleaned as Record<string, string>));
}
