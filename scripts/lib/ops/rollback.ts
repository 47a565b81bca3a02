/**
 * `rollback <service> [--to <sha>]`: points the service back at an earlier task definition
 * revision (the one before the revision it runs, or the latest one whose image is tagged with
 * the commit) and follows the rollout exactly as a deploy does (scripts/lib/ecs-deploy.ts).
 * Image and configuration go back together: the revision is the whole of what ran then.
 */
import { ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { type DeployResult, rollOut } from '../ecs-deploy.ts';
import type { Context } from './context.ts';
import { containerOf, describeOne, imageTag, revisionOf, shortTag, taskDefinition } from './ecs.ts';
import { OpsError } from './errors.ts';

export interface RollbackOptions {
  service: string;
  /** A commit SHA (7-40 hex digits) the image tag starts with. */
  to?: string | undefined;
  timeoutMs: number;
  pollMs: number;
  dryRun: boolean;
}

const revisionNumber = (arn: string) => Number(arn.split(':').pop());
const familyOfArn = (arn: string) => revisionOf(arn).split(':')[0] ?? '';

/** The family's ACTIVE revisions, newest first. */
async function revisions(ctx: Context, family: string): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.aws.ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC', nextToken }),
    );
    // familyPrefix also matches longer families (products matches products-worker)
    arns.push(...(page.taskDefinitionArns ?? []).filter((arn) => familyOfArn(arn) === family));
    nextToken = page.nextToken;
  } while (nextToken);
  return arns.sort((a, b) => revisionNumber(b) - revisionNumber(a));
}

export async function rollback(ctx: Context, o: RollbackOptions): Promise<DeployResult | undefined> {
  if (o.to !== undefined && !/^[0-9a-f]{7,40}$/.test(o.to)) {
    throw new OpsError(`--to takes a commit SHA (7 to 40 hex digits), got "${o.to}"`, 2);
  }
  const service = await describeOne(ctx, o.service);
  const current = service.taskDefinition;
  if (!current) throw new OpsError(`service ${o.service} has no task definition`);
  const family = familyOfArn(current);
  const all = await revisions(ctx, family);
  const imageOf = async (arn: string) => containerOf(await taskDefinition(ctx.aws.ecs, arn), o.service).image;
  const tagOf = async (arn: string) => shortTag(imageTag(await imageOf(arn)));

  let target: string | undefined;
  if (o.to === undefined) {
    target = all.find((arn) => revisionNumber(arn) < revisionNumber(current));
    if (!target)
      throw new OpsError(`no earlier ACTIVE revision of ${family} than ${revisionOf(current)} to go back to`);
  } else {
    const to = o.to;
    const seen: string[] = [];
    for (const arn of all.slice(0, 100)) {
      const tag = imageTag(await imageOf(arn));
      if (tag.startsWith(to)) {
        target = arn;
        break;
      }
      if (seen.length < 5) seen.push(`${revisionOf(arn)} ${tag.slice(0, 12)}`);
    }
    if (!target) {
      throw new OpsError(
        `no ACTIVE revision of ${family} runs an image tagged ${to}; the latest ones: ${seen.join(', ') || 'none'}`,
      );
    }
    if (target === current) {
      ctx.out(`${o.service}: already runs ${revisionOf(current)} (${await tagOf(current)}): nothing to do`);
      return undefined;
    }
  }

  ctx.out(
    `${o.service}: ${revisionOf(current)} (${await tagOf(current)}) -> ${revisionOf(target)} (${await tagOf(target)})`,
  );
  if (o.dryRun) {
    ctx.out(`${o.service}: dry run: would point ${ctx.names.cluster}/${o.service} at ${target}; nothing changed`);
    return undefined;
  }
  const result = await rollOut(
    {
      cluster: ctx.names.cluster,
      service: o.service,
      taskDefinition: target,
      current: service,
      timeoutMs: o.timeoutMs,
      pollMs: o.pollMs,
      rollbackOnTimeout: false, // going back to the revision being rolled back would not help
    },
    { ecs: ctx.aws.ecs, log: ctx.out },
  );
  ctx.out(`${o.service}: ${result.ok ? 'OK' : 'FAILED'}: ${result.reason}`);
  if (result.ok) {
    ctx.note(
      `${o.service}: the next deploy from main deploys the current code again; revert the bad commit there to keep this version`,
    );
  }
  return result;
}
