/**
 * `logs <service>`: the service's CloudWatch Logs (group /ecs/<prefix>/<service>, one stream per
 * task), made readable. --follow polls FilterLogEvents rather than StartLiveTail: it works with
 * any credentials that can read the group, through proxies, and against moto.
 */
import {
  DescribeLogGroupsCommand,
  type FilteredLogEvent,
  FilterLogEventsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { sleep } from '@platform/shared/async';
import type { Context } from './context.ts';
import { OpsError } from './errors.ts';
import { formatLogEvent } from './format.ts';

export interface LogsOptions {
  service: string;
  /** Epoch milliseconds of the oldest event to show. */
  since: number;
  follow: boolean;
  /** A CloudWatch Logs filter pattern, e.g. `"order placed"` or `{ $.level = "error" }`. */
  filter?: string | undefined;
  /** Without --follow: at most this many events (the oldest first). */
  limit: number;
  pollMs: number;
  color: boolean;
  /** Ends --follow (Ctrl-C). */
  signal?: AbortSignal | undefined;
}

/** CloudWatch Logs takes a few seconds to make events searchable: each poll looks back this far. */
const FOLLOW_OVERLAP_MS = 15_000;

export async function showLogs(ctx: Context, o: LogsOptions): Promise<void> {
  const group = ctx.names.logGroup(o.service);
  if (!o.follow) {
    const events = await fetchEvents(ctx, group, o.service, o.since, o.filter, o.limit);
    events.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    for (const e of events) ctx.out(formatLogEvent(e, o.color));
    if (events.length === 0) ctx.note(`no log events in ${group} since ${new Date(o.since).toISOString()}`);
    if (events.length >= o.limit)
      ctx.note(`stopped at ${o.limit} events: narrow --since, add --filter or raise --limit`);
    return;
  }

  ctx.note(`following ${group} (Ctrl-C to stop)`);
  const printed = new Map<string, number>(); // event key -> timestamp, to print each event once
  let newest = o.since;
  while (!o.signal?.aborted) {
    const start = Math.max(o.since, newest - FOLLOW_OVERLAP_MS);
    const events = await fetchEvents(ctx, group, o.service, start, o.filter, Number.POSITIVE_INFINITY);
    events.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    for (const e of events) {
      const key = `${e.logStreamName}/${e.eventId}/${e.timestamp}`;
      if (printed.has(key)) continue;
      printed.set(key, e.timestamp ?? 0);
      newest = Math.max(newest, e.timestamp ?? 0);
      ctx.out(formatLogEvent(e, o.color));
    }
    for (const [key, at] of printed) if (at < start) printed.delete(key);
    await sleep(o.pollMs, o.signal);
  }
}

async function fetchEvents(
  ctx: Context,
  group: string,
  service: string,
  startTime: number,
  filterPattern: string | undefined,
  limit: number,
): Promise<FilteredLogEvent[]> {
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await ctx.aws.logs.send(
        new FilterLogEventsCommand({
          logGroupName: group,
          startTime,
          ...(filterPattern && { filterPattern }),
          nextToken,
          limit: Math.min(10_000, limit - events.length),
        }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken && events.length < limit);
  } catch (err) {
    if (err instanceof ResourceNotFoundException) throw await unknownService(ctx, service, group);
    throw err;
  }
  return events.slice(0, limit);
}

/** The error for a service without a log group, naming the services that have one. */
async function unknownService(ctx: Context, service: string, group: string): Promise<OpsError> {
  const prefix = ctx.names.logGroup('');
  const out = await ctx.aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix }));
  const known = (out.logGroups ?? []).map((g) => g.logGroupName?.slice(prefix.length) ?? '').filter(Boolean);
  return new OpsError(
    known.length > 0
      ? `unknown service ${service}: no log group ${group}; services with logs: ${known.join(', ')}`
      : `no log group ${group}, nor any under ${prefix}: is the ${ctx.names.environment} stack applied in ${ctx.names.region}?`,
  );
}
