/**
 * Day-2 commands for a deployed environment, over the AWS SDK (see docs/OPERATIONS.md):
 *
 *   npm run ops -- <command> [options]      or      npm run <command> -- [options]
 *
 * Names (cluster, log groups, secrets) and the region come from
 * infra/terraform/environments/<env>.tfvars; credentials from the usual AWS places.
 * Exit codes: 0 done, 1 failed, 2 bad usage; run-task exits with the task's own code.
 */
import { parseArgs } from 'node:util';
import { type Context, createClients, resolveNames, type TargetOptions } from './lib/ops/context.ts';
import { describeError, OpsError } from './lib/ops/errors.ts';
import { parseSince } from './lib/ops/format.ts';
import { showLogs } from './lib/ops/logs.ts';
import { rollback } from './lib/ops/rollback.ts';
import { rotateSecret } from './lib/ops/rotate-secret.ts';
import { runTask } from './lib/ops/run-task.ts';
import { collectStatus, renderStatus } from './lib/ops/status.ts';

const USAGE = `usage: npm run ops -- <command> [options]   (or: npm run <command> -- [options])

  logs <service> [--follow] [--since 10m] [--filter PATTERN] [--limit 1000]
  status [--events 3] [--json]
  rollback <service> [--to SHA] [--dry-run] [--timeout 900]
  run-task <service> <script> [--timeout 3600] [-- ARGS...]
  rotate-secret jwt [--retire] | docdb [--roll] | amqp   [--timeout 900]

every command: --env production (infra/terraform/environments/<env>.tfvars), --region R, --profile P`;

const OPTIONS = {
  env: { type: 'string', default: 'production' },
  region: { type: 'string' },
  profile: { type: 'string' },
  endpoint: { type: 'string' }, // moto, LocalStack
  follow: { type: 'boolean', short: 'f', default: false },
  since: { type: 'string', default: '10m' },
  filter: { type: 'string' },
  limit: { type: 'string', default: '1000' },
  events: { type: 'string', default: '3' },
  json: { type: 'boolean', default: false },
  to: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  timeout: { type: 'string' },
  poll: { type: 'string' },
  'log-grace': { type: 'string', default: '5' },
  retire: { type: 'boolean', default: false },
  roll: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Options each command takes besides --env, --region, --profile, --endpoint and --poll. */
const ALLOWED: Record<string, string[]> = {
  logs: ['follow', 'since', 'filter', 'limit'],
  status: ['events', 'json'],
  rollback: ['to', 'dry-run', 'timeout'],
  'run-task': ['timeout', 'log-grace'],
  'rotate-secret': ['retire', 'roll', 'timeout'],
};
const COMMON = ['env', 'region', 'profile', 'endpoint', 'poll', 'help'];

function usage(message: string): never {
  throw new OpsError(`${message}\n${USAGE}`, 2);
}

function seconds(value: string | undefined, fallback: number, flag: string): number {
  const n = Number(value ?? fallback);
  if (!(n > 0)) usage(`--${flag} takes a positive number of seconds, got "${value}"`);
  return n * 1000;
}

function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) usage(`--${flag} takes a whole number, got "${value}"`);
  return n;
}

/** Where the command points, for error messages. */
const where: { region?: string } = {};

async function main(argv: string[]): Promise<number> {
  const dashes = argv.indexOf('--');
  const own = dashes >= 0 ? argv.slice(0, dashes) : argv;
  const passed = dashes >= 0 ? argv.slice(dashes + 1) : [];
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; tokens: true }>>;
  try {
    parsed = parseArgs({ args: own, options: OPTIONS, allowPositionals: true, tokens: true });
  } catch (err) {
    usage(err instanceof Error ? err.message : String(err));
  }
  const { values: v, positionals, tokens } = parsed;
  const [command, ...rest] = positionals;
  if (v.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return v.help ? 0 : 2;
  }
  const allowed = ALLOWED[command];
  if (!allowed) usage(`unknown command ${command}`);
  const given = tokens.flatMap((t) => (t.kind === 'option' ? [t.name] : []));
  const wrong = given.filter((k) => !allowed.includes(k) && !COMMON.includes(k));
  if (wrong.length > 0) usage(`${command} does not take ${[...new Set(wrong)].map((k) => `--${k}`).join(', ')}`);
  if (passed.length > 0 && command !== 'run-task') usage(`${command} takes no arguments after --`);

  const target: TargetOptions = { env: v.env, region: v.region, endpoint: v.endpoint, profile: v.profile };
  const names = resolveNames(target);
  where.region = names.region;
  const ctx: Context = {
    names,
    aws: createClients(names, target),
    out: (line) => process.stdout.write(`${line}\n`),
    note: (line) => process.stderr.write(`${line}\n`),
  };
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const interrupt = new AbortController();
  const pollMs = (fallback: number) => seconds(v.poll, fallback, 'poll');
  const arg = (index: number, what: string) => rest[index] ?? usage(`${command} needs ${what}`);
  const noMore = (max: number) => {
    if (rest.length > max) usage(`${command}: unexpected ${rest.slice(max).join(' ')}`);
  };

  switch (command) {
    case 'logs': {
      const service = arg(0, 'a service name');
      noMore(1);
      process.once('SIGINT', () => interrupt.abort());
      await showLogs(ctx, {
        service,
        since: parseSince(v.since),
        follow: v.follow,
        filter: v.filter,
        limit: count(v.limit, 'limit') || 1000,
        pollMs: pollMs(2),
        color,
        signal: interrupt.signal,
      });
      return 0;
    }
    case 'status': {
      noMore(0);
      const statuses = await collectStatus(ctx, count(v.events, 'events'));
      if (v.json) ctx.out(JSON.stringify(statuses, null, 2));
      else for (const line of renderStatus(ctx, statuses)) ctx.out(line);
      return 0;
    }
    case 'rollback': {
      const service = arg(0, 'a service name');
      noMore(1);
      const result = await rollback(ctx, {
        service,
        to: v.to,
        dryRun: v['dry-run'],
        timeoutMs: seconds(v.timeout, 900, 'timeout'),
        pollMs: pollMs(10),
      });
      return result && !result.ok ? 1 : 0;
    }
    case 'run-task': {
      const service = arg(0, 'a service name');
      const script = arg(1, 'a script name (services/<service>/src/tasks/<script>.ts)');
      noMore(2);
      process.once('SIGINT', () => interrupt.abort());
      return runTask(ctx, {
        service,
        script,
        args: passed,
        timeoutMs: seconds(v.timeout, 3600, 'timeout'),
        pollMs: pollMs(3),
        logGraceMs: seconds(v['log-grace'], 5, 'log-grace'),
        color,
        signal: interrupt.signal,
      });
    }
    default: {
      const name = arg(0, 'a secret: jwt, docdb or amqp');
      noMore(1);
      await rotateSecret(ctx, {
        name,
        retire: v.retire,
        roll: v.roll,
        timeoutMs: seconds(v.timeout, 900, 'timeout'),
        pollMs: pollMs(10),
      });
      return 0;
    }
  }
}

try {
  process.exit(await main(process.argv.slice(2)));
} catch (err) {
  if (process.env.OPS_DEBUG === '1') console.error(err);
  process.stderr.write(`error: ${describeError(err, where)}\n`);
  process.exit(err instanceof OpsError ? err.exitCode : 1);
}
