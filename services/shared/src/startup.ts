/**
 * How a process that cannot start says so: one line with the cause and the fix, exit code 1,
 * instead of an unhandled rejection's stack (`listen EADDRINUSE ...` and 40 lines of internals).
 */
import type { Logger } from './log.ts';

/** A failure to start that is fully explained by its message (no stack needed). */
export class StartupError extends Error {
  override name = 'StartupError';
}

export interface ListenTarget {
  host: string;
  port: number;
  /** How to run the same thing on another port: `PORT=8081 npm start`. */
  rerun?: ((port: number) => string) | undefined;
  /** Who holds the port, when known: `another npm start of this platform`. */
  holder?: string | undefined;
}

/** A failed listen in words, with the fix; undefined when the error is not one of listening. */
export function listenProblem(err: unknown, t: ListenTarget): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const rerun = t.rerun ?? ((port: number) => `set PORT=${port}`);
  switch (code) {
    case 'EADDRINUSE':
      return (
        `port ${t.port} on ${t.host} is in use (${t.holder ?? `find what holds it: lsof -i :${t.port}`}): ` +
        `stop it, or ${rerun(t.port + 1)}`
      );
    case 'EACCES':
      return `port ${t.port} on ${t.host} needs privileges this process does not have (ports below 1024 do): ${rerun(t.port < 1024 ? 8080 : t.port + 1)}`;
    case 'EADDRNOTAVAIL':
      return `HOST=${t.host} is not an address of this machine: use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST=${t.host} does not resolve to an address: use 127.0.0.1 or 0.0.0.0`;
    default:
      return undefined;
  }
}

/**
 * Logs why start-up failed, in one line when the cause is known (a StartupError, a failed
 * listen), with the stack otherwise, and exits with 1. The logger's pending lines are written on
 * exit (log.ts).
 */
export function exitOnStartupFailure(logger: Logger, err: unknown, target?: ListenTarget): never {
  const listen = target && listenProblem(err, target);
  if (listen) logger.error(listen);
  else if (err instanceof StartupError) logger.error(err.message);
  else logger.error('could not start', { err });
  process.exit(1);
}
