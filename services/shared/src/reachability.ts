/**
 * One line that says why a server could not be reached and what to do about it, instead of a
 * driver's error dump: `RabbitMQ at amqp://localhost:5672 is unreachable (ECONNREFUSED: nothing
 * listens there): start one with ...`. Used by the services' own logs (wherever they run) and by
 * `npm start`'s check of the servers before it starts anything (scripts/lib/preflight.ts).
 */
import type { Logger } from './log.ts';

export type ServerKind = 'mongodb' | 'rabbitmq';

const LABEL: Record<ServerKind, string> = { mongodb: 'MongoDB', rabbitmq: 'RabbitMQ' };
const VARIABLE: Record<ServerKind, string> = { mongodb: 'MONGO_URL', rabbitmq: 'AMQP_URL' };
const DEFAULT_PORT: Record<string, number> = { mongodb: 27017, amqp: 5672, amqps: 5671 };
const USUAL_PORTS: Record<ServerKind, string> = { mongodb: '27017', rabbitmq: '5672, or 5671 with TLS' };
const RUNBOOK: Record<ServerKind, string> = {
  mongodb: 'docs/RUNBOOK.md#the-database-failed-over',
  rabbitmq: 'docs/RUNBOOK.md#the-broker-is-down',
};

/** What went wrong, by kind: each kind has its own fix. */
export type ProblemKind = 'unreachable' | 'credentials' | 'vhost' | 'tls' | 'protocol' | 'refused' | 'other';

export interface ConnectProblem {
  kind: ProblemKind;
  /** A code or a few words: `ECONNREFUSED: nothing listens there`, `ACCESS_REFUSED`. */
  reason: string;
}

const NETWORK_CODES: Array<[RegExp, string]> = [
  [/\bECONNREFUSED\b/, 'ECONNREFUSED: nothing listens there'],
  [/\bENOTFOUND\b/, 'ENOTFOUND: no such host'],
  [/\bEAI_AGAIN\b/, 'EAI_AGAIN: the host name could not be looked up'],
  [/\b(EHOSTUNREACH|ENETUNREACH)\b/, '$1: no route to the host'],
  [/\bETIMEDOUT\b|timed? ?out/i, 'timed out: no answer'],
];

/** Classifies a connection error from the codes and messages Node, amqplib and the MongoDB driver use. */
export function connectProblem(err: unknown): ConnectProblem {
  const text = errorText(err);
  // The broker answered and refused an operation (a queue declared before with other arguments,
  // a user without permission on it): its own words say which.
  const refusal = text.match(/\b(PRECONDITION_FAILED|ACCESS_REFUSED) - (?!Login)([^"\n]+)/);
  if (refusal) return { kind: 'refused', reason: `${refusal[1]}: ${firstLine(refusal[2] as string)}` };
  if (
    /ACCESS_REFUSED|Login was refused|Authentication failed|auth(entication)? (error|failed)|\bcode 18\b/i.test(text)
  ) {
    return { kind: 'credentials', reason: 'the user name or password was refused' };
  }
  // The broker closes the connection at ConnectionOpen when the virtual host does not exist or
  // the user may not use it; amqplib then only says which frame it got.
  if (/vhost|virtual host|NOT_ALLOWED|Expected ConnectionOpenOk/i.test(text)) {
    return { kind: 'vhost', reason: 'no such virtual host, or the user may not use it' };
  }
  if (/certificate|self[- ]signed|\bSSL\b|\bTLS\b|ERR_TLS|EPROTO/i.test(text)) {
    return { kind: 'tls', reason: 'the TLS handshake failed' };
  }
  for (const [pattern, reason] of NETWORK_CODES) {
    const match = text.match(pattern);
    if (match) return { kind: 'unreachable', reason: reason.replace('$1', match[1] ?? '') };
  }
  if (/ECONNRESET|socket hang up|EPIPE|Unexpected close|closed|frame|handshake/i.test(text)) {
    return { kind: 'protocol', reason: 'the answer was not the expected protocol: something else may listen there' };
  }
  return { kind: 'other', reason: firstLine(text) };
}

/** The message of an error and of its causes, one after the other (drivers wrap the useful part). */
function errorText(err: unknown, depth = 0): string {
  if (depth > 4 || err === null || err === undefined) return '';
  if (typeof err !== 'object') return String(err);
  const e = err as { message?: unknown; code?: unknown; cause?: unknown; errors?: unknown };
  let text = `${typeof e.code === 'string' || typeof e.code === 'number' ? `${e.code} ` : ''}${String(e.message ?? '')}`;
  if (e.cause) text += ` ${errorText(e.cause, depth + 1)}`;
  if (Array.isArray(e.errors)) for (const inner of e.errors) text += ` ${errorText(inner, depth + 1)}`;
  return text;
}

const firstLine = (text: string) =>
  (text.trim().split('\n')[0] ?? '').replace(/(\/\/)[^/@\s]+@/g, '$1***@').slice(0, 160);

/** Where a URL points: scheme, host and port; never credentials, path or query. */
export function serverAddress(url: string): string {
  const match = url.match(/^([a-z+]+):\/\/(?:[^@/]*@)?([^/?#]+)/i);
  if (!match) return '(an unreadable URL)';
  const scheme = (match[1] as string).toLowerCase();
  const hosts = match[2] as string;
  const port = DEFAULT_PORT[scheme];
  // mongodb+srv names a DNS record, not a port; a host list (replica set) is shown as given
  const withPort = scheme.endsWith('+srv') || hosts.includes(',') || /:\d+$/.test(hosts) || !port;
  return `${scheme}://${withPort ? hosts : `${hosts}:${port}`}`;
}

/** `RabbitMQ at amqp://localhost:5672` */
export const serverLabel = (server: ServerKind, url: string) => `${LABEL[server]} at ${serverAddress(url)}`;

/** What to do, by where the process runs: `local` (npm start) or anywhere (a service's own log). */
function fixFor(server: ServerKind, problem: ConnectProblem, where: 'local' | 'anywhere'): string {
  const variable = VARIABLE[server];
  switch (problem.kind) {
    case 'protocol':
      return `check the host and port in ${variable} (${LABEL[server]} usually listens on ${USUAL_PORTS[server]})`;
    case 'unreachable': {
      const local = `start one with \`npm run servers\` (it prints the ${variable} to export), or unset ${variable} to use the embedded ${server === 'mongodb' ? 'store' : 'broker'}`;
      return where === 'local' ? local : `locally, ${local}; in AWS see ${RUNBOOK[server]}`;
    }
    case 'credentials':
      return server === 'mongodb'
        ? 'check the user and password in MONGO_URL or MONGO_USERNAME / MONGO_PASSWORD'
        : 'check the user and password in AMQP_URL';
    case 'vhost':
      return 'create the virtual host on the broker, or fix the path at the end of AMQP_URL';
    case 'refused':
      return 'delete what was declared with other settings, give the user permissions on the virtual host, or use another AMQP_EXCHANGE';
    case 'tls':
      return server === 'mongodb'
        ? 'check MONGO_TLS_CA_FILE and the tls options in MONGO_URL'
        : 'check the amqps:// URL and the broker certificate';
    default:
      return `check ${variable}`;
  }
}

const VERB: Record<ProblemKind, string> = {
  unreachable: 'is unreachable',
  protocol: 'did not answer as expected',
  credentials: 'refused the connection',
  vhost: 'refused the connection',
  tls: 'refused the connection',
  refused: 'refused an operation',
  other: 'could not be used',
};

/** The one line: which server, where, why, and the fix. */
export function unreachableHint(server: ServerKind, url: string, err: unknown, where: 'local' | 'anywhere'): string {
  const problem = connectProblem(err);
  const verb = problem.kind === 'protocol' ? `did not answer as ${LABEL[server]}` : VERB[problem.kind];
  return `${serverLabel(server, url)} ${verb} (${problem.reason}): ${fixFor(server, problem, where)}`;
}

/**
 * Reports a server that cannot be reached, for a client that retries on its own (the broker's):
 * the hint on the first failure, then a reminder at most every `everyMs` however often it retries,
 * and a line when it is back. The retries themselves stay silent.
 */
export function unreachableReporter(logger: Logger, server: ServerKind, url: string, everyMs = 30_000) {
  let failingSince: number | undefined;
  let lastReport = 0;
  let attempts = 0;
  return {
    failed(err: unknown): void {
      const now = Date.now();
      attempts++;
      failingSince ??= now;
      if (attempts > 1 && now - lastReport < everyMs) return;
      lastReport = now;
      const still =
        attempts > 1 ? ` (still, after ${attempts} attempts in ${Math.round((now - failingSince) / 1000)} s)` : '';
      logger.warn(`${unreachableHint(server, url, err, 'anywhere')}${still}; retrying`);
    },
    recovered(): void {
      if (failingSince !== undefined && attempts > 0) {
        logger.info(`${serverLabel(server, url)} reached after ${attempts} failed attempts`);
      }
      failingSince = undefined;
      attempts = 0;
    },
  };
}
