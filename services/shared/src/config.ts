import * as z from 'zod';

/** Raised when the environment does not satisfy a service's settings; names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
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

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * Settings every service shares. MONGO_URL and AMQP_URL are optional: without them the service
 * runs on the embedded in-memory store and bus (local development, `npm start` on a fresh clone).
 */
export const baseConfigSchema = z.object({
  PORT: int(0, 65535, 8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
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
  AMQP_URL: z
    .string()
    .regex(/^amqps?:\/\//, 'must start with amqp:// or amqps://')
    .optional(),
  AMQP_EXCHANGE: z.string().min(1).default('platform.events'),
  AMQP_PREFETCH: int(1, 1000, 32),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  JWT_TTL_SECONDS: int(60, 7 * 24 * 3600, 3600),
  BODY_LIMIT_BYTES: int(1024, 10 * 1024 * 1024, 64 * 1024),
  /** Requests a task works on at once; more get 503 with Retry-After at once instead of queueing. */
  MAX_IN_FLIGHT: int(1, 100_000, DEFAULT_MAX_IN_FLIGHT),
  /** How often a service retries the events it could not publish yet (the broker was down). */
  OUTBOX_POLL_MS: int(50, 60_000, 1000),
  /** How often it searches the stores for events a crashed process left unpublished (and at start). */
  OUTBOX_SCAN_MS: int(100, 3_600_000, 30_000),
  SHUTDOWN_TIMEOUT_MS: int(1000, 120_000, 20_000),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/**
 * Parses the environment once at start. Empty strings count as unset, so `FOO=` in an env file
 * falls back to the default instead of failing on an empty value.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
    return `${name} ${message}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}
