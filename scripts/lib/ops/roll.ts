/**
 * Rolling the services that read a secret: ECS resolves a task's secrets when it starts the
 * task, so a changed secret reaches a service only through new tasks. Each service gets a forced
 * deployment of the task definition it runs, followed like a deploy (scripts/lib/ecs-deploy.ts).
 */
import type { Service } from '@aws-sdk/client-ecs';
import { rollOut } from '../ecs-deploy.ts';
import type { Context } from './context.ts';
import { describeAll, describeOne, taskDefinition } from './ecs.ts';

/** The ARN in a `secrets` valueFrom, which may name a JSON key: <arn>:password:: */
export const secretArnOf = (valueFrom: string): string =>
  valueFrom.match(/^(arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:[^:]+)/)?.[1] ?? valueFrom.split(':')[0] ?? valueFrom;

export interface Reader {
  service: Service;
  /** The environment variables the service gets from the secret. */
  variables: string[];
  /** The ARNs (or names) of the secrets matched. */
  secrets: string[];
}

const SECRET_ARN = /^arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:[^:]+$/;

/**
 * The secrets a container reads, as (variable, secret) pairs, both ways a task gets one: injected
 * by ECS at start (`secrets`, valueFrom), or read by the service itself from the ARN in a plain
 * environment variable (`environment`, e.g. MONGO_CREDENTIALS_SECRET: the service reads the
 * database credentials again when they are refused, so RDS's rotation needs no new tasks).
 */
function secretReferences(container: {
  secrets?: Array<{ name?: string; valueFrom?: string }>;
  environment?: Array<{ name?: string; value?: string }>;
}) {
  const injected = (container.secrets ?? []).map((s) => ({
    variable: s.name,
    secret: s.valueFrom && secretArnOf(s.valueFrom),
  }));
  const byArn = (container.environment ?? [])
    .filter((e) => e.value && SECRET_ARN.test(e.value))
    .map((e) => ({ variable: e.name, secret: e.value }));
  return [...injected, ...byArn].filter((r): r is { variable: string; secret: string } => !!r.variable && !!r.secret);
}

/**
 * The services whose current task definition reads a secret (by ARN, or by name where the
 * valueFrom is a name), with the variables they take from it; `match` picks secrets otherwise
 * (by the variable, e.g. the database credentials wherever they live).
 */
export async function readersOf(
  ctx: Context,
  match: (secretArn: string, variable: string) => boolean,
): Promise<Reader[]> {
  const services = await describeAll(ctx.aws.ecs, ctx.names.cluster);
  const readers: Reader[] = [];
  for (const service of services) {
    if (!service.taskDefinition) continue;
    const td = await taskDefinition(ctx.aws.ecs, service.taskDefinition);
    const matched = (td.containerDefinitions ?? [])
      .flatMap(secretReferences)
      .filter((r) => match(r.secret, r.variable));
    if (matched.length === 0) continue;
    readers.push({
      service,
      variables: matched.map((r) => r.variable),
      secrets: [...new Set(matched.map((r) => r.secret))],
    });
  }
  return readers;
}

/** Whether a secret reference names the secret with this ARN (or, short of an ARN, this name). */
export function sameSecret(reference: string, arn: string, name: string): boolean {
  return reference === arn || reference === name || reference.endsWith(`:secret:${name}`);
}

export interface RollOptions {
  timeoutMs: number;
  pollMs: number;
}

/** Forces a new deployment of each service at once and follows them all; the names of those that failed. */
export async function rollServices(ctx: Context, services: Service[], o: RollOptions): Promise<string[]> {
  const results = await Promise.all(
    services.map(async ({ serviceName: name = '?' }) => {
      // as it is now: a deploy since the look-up must not be undone
      const current = await describeOne(ctx, name);
      const result = await rollOut(
        {
          cluster: ctx.names.cluster,
          service: name,
          taskDefinition: current.taskDefinition ?? '',
          current,
          forceNewDeployment: true,
          timeoutMs: o.timeoutMs,
          pollMs: o.pollMs,
          rollbackOnTimeout: false,
        },
        { ecs: ctx.aws.ecs, log: ctx.out },
      );
      ctx.out(`${name}: ${result.ok ? 'OK' : 'FAILED'}: ${result.reason}`);
      return { name, ok: result.ok };
    }),
  );
  return results.filter((r) => !r.ok).map((r) => r.name);
}
