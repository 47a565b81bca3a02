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

/**
 * The services whose current task definition reads a secret (by ARN, or by name where the
 * valueFrom is a name), with the variables they take from it; `match` picks secrets otherwise
 * (by the variable, e.g. the database password wherever it lives).
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
      .flatMap((c) => c.secrets ?? [])
      .filter((s) => s.name && s.valueFrom && match(secretArnOf(s.valueFrom), s.name));
    if (matched.length === 0) continue;
    readers.push({
      service,
      variables: matched.map((s) => s.name ?? ''),
      secrets: [...new Set(matched.map((s) => secretArnOf(s.valueFrom ?? '')))],
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
