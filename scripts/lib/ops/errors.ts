/** A failure the user can act on; its message is the whole story (no stack trace). */
export class OpsError extends Error {
  override name = 'OpsError';
  /** The process's exit code: 1 for a failed operation, 2 for bad usage. */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

const CREDENTIALS_HELP =
  'sign in first (e.g. `aws sso login --profile NAME` then AWS_PROFILE=NAME or --profile NAME; or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)';

/**
 * One line for any error a command can meet: ours as they are, AWS's by what they mean, anything
 * else by name and message. Stack traces only with OPS_DEBUG=1.
 */
export function describeError(err: unknown, where: { region?: string | undefined } = {}): string {
  if (err instanceof OpsError) return err.message;
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string } };
  const name = e?.name ?? 'Error';
  const message = (e?.message ?? String(err)).split('\n')[0] ?? '';
  const code = e?.code ?? e?.cause?.code;
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return `no AWS credentials found: ${CREDENTIALS_HELP}`;
  }
  if (
    /^(ExpiredToken(Exception)?|TokenRefreshRequired)$/.test(name) ||
    /token.*expired|expired.*token/i.test(message)
  ) {
    return `the AWS credentials have expired: ${CREDENTIALS_HELP}`;
  }
  if (/^(UnrecognizedClientException|InvalidClientTokenId|InvalidSignatureException)$/.test(name)) {
    return `AWS does not accept these credentials (${name}): ${CREDENTIALS_HELP}`;
  }
  if (/AccessDenied/.test(name)) return `access denied: ${message}`;
  if (name === 'ClusterNotFoundException') {
    return `no such ECS cluster in ${where.region ?? 'this region'}: is the stack applied, are --env and --region right? (${message})`;
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EAI_AGAIN') {
    return `cannot reach AWS (${code}): check the network, --region and --endpoint`;
  }
  return `${name}: ${message}`;
}
