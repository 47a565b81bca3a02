/**
 * What an order costs, measured from outside the services: the database commands FerretDB
 * served (its own Prometheus counters), and the CPU time of each process involved (/proc).
 */
import { readFileSync } from 'node:fs';

/** Data commands by name, from FerretDB's `ferretdb_client_requests_total` counters. */
export async function commandCounts(metricsUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/^ferretdb_client_requests_total\{command="([^"]+)",opcode="OP_MSG"\} (\d+)/gm)) {
    counts.set(match[1] as string, Number(match[2]));
  }
  return counts;
}

/**
 * Commands that do the services' work. Left out: the driver's handshakes and monitoring (hello,
 * ping, endSessions, auth), and `count`, which only the benchmark itself sends (it polls the
 * number of finished orders with estimatedDocumentCount).
 */
const WORK = new Set(['find', 'insert', 'update', 'delete', 'findAndModify', 'aggregate', 'getMore', 'createIndexes']);

export function workDone(before: Map<string, number>, after: Map<string, number>) {
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [command, n] of after) {
    if (!WORK.has(command)) continue;
    const delta = n - (before.get(command) ?? 0);
    if (delta > 0) byCommand[command] = delta;
    total += delta;
  }
  return { total, byCommand };
}

/** Seconds of CPU (user + system) a process has used so far; 0 when it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // fields after the command (which may contain spaces), from the 3rd: utime is 14th, stime 15th
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
