/** ECS look-ups the day-2 commands share: the stack's services, their task definitions, images. */
import {
  type ContainerDefinition,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListServicesCommand,
  type Service,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { Context } from './context.ts';
import { OpsError } from './errors.ts';

type Ecs = Context['aws']['ecs'];

/** The services of the cluster, by name, sorted. */
export async function serviceNames(ecs: Ecs, cluster: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListServicesCommand({ cluster, nextToken, maxResults: 100 }));
    names.push(...(page.serviceArns ?? []).map((arn) => arn.split('/').pop() ?? arn));
    nextToken = page.nextToken;
  } while (nextToken);
  return names.sort();
}

/** Every ACTIVE service of the cluster, described (DescribeServices takes 10 at a time). */
export async function describeAll(ecs: Ecs, cluster: string): Promise<Service[]> {
  const names = await serviceNames(ecs, cluster);
  const services: Service[] = [];
  for (let i = 0; i < names.length; i += 10) {
    const out = await ecs.send(new DescribeServicesCommand({ cluster, services: names.slice(i, i + 10) }));
    services.push(...(out.services ?? []).filter((s) => s.status === 'ACTIVE'));
  }
  if (services.length === 0) throw new OpsError(`nothing runs: cluster ${cluster} has no services`);
  return services;
}

/** One service, or an error that names the ones there are. */
export async function describeOne(ctx: Context, service: string): Promise<Service> {
  const { cluster } = ctx.names;
  const out = await ctx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  const found = out.services?.find((s) => s.serviceName === service && s.status !== 'INACTIVE');
  if (found) return found;
  const known = await serviceNames(ctx.aws.ecs, cluster);
  if (known.length === 0) throw new OpsError(`nothing runs: cluster ${cluster} has no services`);
  throw new OpsError(`unknown service ${service} in cluster ${cluster}; services: ${known.join(', ')}`);
}

export async function taskDefinition(ecs: Ecs, arnOrFamily: string): Promise<TaskDefinition> {
  const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arnOrFamily }));
  if (!out.taskDefinition) throw new OpsError(`task definition ${arnOrFamily} not found`);
  return out.taskDefinition;
}

/** The service's container: named as the service (as infra/terraform names it), or the only one. */
export function containerOf(td: TaskDefinition, service: string): ContainerDefinition {
  const containers = td.containerDefinitions ?? [];
  const found = containers.find((c) => c.name === service) ?? (containers.length === 1 ? containers[0] : undefined);
  if (!found) throw new OpsError(`${td.family}: no container named ${service}`);
  return found;
}

/** The tag of an image reference (the commit SHA for images the deploy workflow built). */
export function imageTag(image: string | undefined): string {
  if (!image) return '-';
  const digest = image.indexOf('@');
  if (digest >= 0) return image.slice(digest + 1, digest + 20);
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}

/** A tag as people write it: a commit SHA cut to 7 digits, anything else as it is. */
export const shortTag = (tag: string): string => (/^[0-9a-f]{40}$/.test(tag) ? tag.slice(0, 7) : tag);

/** "family:revision" of a task definition ARN. */
export const revisionOf = (arn: string | undefined): string => arn?.split('/').pop() ?? '-';
