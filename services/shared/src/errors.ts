import type { z } from 'zod';

export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'TOO_MANY_REQUESTS'
  | 'REQUEST_TIMEOUT'
  | 'CLIENT_CLOSED_REQUEST'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export interface ErrorDetail {
  /** Where the problem is: `body.email`, `query.limit`, `params.id`, `header.idempotency-key`. */
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
}

type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 408 | 409 | 413 | 422 | 429 | 499 | 500 | 503;

const statusOf: Record<ErrorCode, ErrorStatus> = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  IDEMPOTENCY_KEY_REUSED: 422,
  TOO_MANY_REQUESTS: 429,
  REQUEST_TIMEOUT: 408,
  /** nginx's code for a client that went away before the answer; only ever seen in access logs. */
  CLIENT_CLOSED_REQUEST: 499,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** An error that becomes a response of the contract's error shape. Anything else is a 500. */
export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;

  /** Seconds after which a retry may succeed (429, 503): sent as Retry-After. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetail[], retryAfterSeconds?: number) {
    super(message);
    this.code = code;
    this.details = details;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  get status() {
    return statusOf[this.code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details && { details: this.details }) } };
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
export const conflict = (message: string) => new AppError('CONFLICT', message);
export const unauthorized = (message = 'missing or invalid credentials') => new AppError('UNAUTHORIZED', message);
export const forbidden = (message = 'not allowed') => new AppError('FORBIDDEN', message);

export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new AppError('TOO_MANY_REQUESTS', message, undefined, Math.max(1, Math.ceil(retryAfterSeconds)));
export const unavailable = (message: string, retryAfterSeconds = 1) =>
  new AppError('UNAVAILABLE', message, undefined, retryAfterSeconds);

/**
 * Details a 400 lists at most. A body of thousands of unknown keys would otherwise answer with a
 * response several times its own size; the message says how many problems there were in all.
 */
export const MAX_ERROR_DETAILS = 20;
const MAX_PATH_LENGTH = 120;

const shortPath = (path: string) => (path.length > MAX_PATH_LENGTH ? `${path.slice(0, MAX_PATH_LENGTH)}...` : path);

/** Turns zod issues into a 400 that names the offending fields (the first MAX_ERROR_DETAILS). */
export function validationFailed(where: string, issues: z.core.$ZodIssue[]): AppError {
  let total = 0;
  const details: ErrorDetail[] = [];
  for (const issue of issues) {
    const base = [where, ...issue.path.map(String)].join('.');
    const found =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ path: `${base}.${key}`, message: 'unknown field' }))
        : [{ path: base, message: issue.message }];
    total += found.length;
    for (const d of found) {
      if (details.length < MAX_ERROR_DETAILS) details.push({ path: shortPath(d.path), message: d.message });
    }
  }
  const fields = [...new Set(details.map((d) => d.path))];
  const more = total > details.length ? ` (${total} problems, the first ${details.length} listed)` : '';
  return new AppError('VALIDATION_FAILED', `invalid ${fields.join(', ')}${more}`, details);
}
