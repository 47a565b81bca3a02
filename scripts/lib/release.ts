/**
 * What a deploy releases to one environment, and how: the logic of .github/workflows/environment.yml
 * (scripts/release.ts is its command line).
 *
 * - build (the first environment, staging): a service gets a new image, tagged with the commit,
 *   when the image it runs was not built from a commit whose code (of that service, the shared kit,
 *   the lock file, the build) is this one's; a service whose code is current but whose task
 *   definition family has a newer revision (Terraform changed its configuration) is redeployed
 *   with the image it runs. So a failed or skipped deploy is caught up, and the first one builds
 *   everything. Images are built once, for every CPU architecture any environment runs on, so
 *   that the next environments can run the very same image.
 * - promote (the next environments, production): each service gets the image the previous
 *   environment runs, by digest: copied into this environment's repository under the same tag,
 *   its digest checked to be the same before anything rolls out.
 * - preview (a pull request on the staging cluster): a service whose code is the one staging
 *   runs reuses staging's image; the others are built from the pull request's head.
 */
import { DescribeImagesCommand, type ECRClient, ImageNotFoundException } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';

/** Per service, where it runs: from Terraform's deploy_targets and task_definition_families. */
export interface Target {
  cluster: string;
  service: string;
  /** ECR repository URL (registry/name), without tag. */
  repository: string;
  family: string;
}
export type Targets = Record<string, Target>;

/** An image of a service in an environment's repository. */
export interface Image {
  repository: string;
  tag: string;
  digest: string;
}
export type Images = Record<string, Image>;

export interface BuildItem {
  service: string;
  /** docker buildx --platform value, e.g. linux/amd64,linux/arm64 */
  platforms: string;
  /** Where the image goes: repository URL and tag (the commit). */
  repository: string;
  tag: string;
}
export interface PromoteItem {
  service: string;
  from: Image;
  /** This environment's repository URL: the image goes there under from.tag. */
  repository: string;
}
export interface DeployItem {
  service: string;
  /** The image to run (repository:tag), or null: the image it runs, on the family's latest revision. */
  image: string | null;
}
export interface ReleasePlan {
  build: BuildItem[];
  promote: PromoteItem[];
  deploy: DeployItem[];
  /** One line per service: what happens to it and why. */
  notes: string[];
}

/** The outputs of `terraform output -json` the release reads. */
export interface StackOutputs {
  region?: { value: string };
  base_url?: { value: string };
  deploy_targets?: { value: Record<string, Omit<Target, 'family'>> };
  task_definition_families?: { value: Record<string, string> };
}

/** Per service its cluster, ECS service, repository and task definition family, from the stack's outputs. */
export function targetsFrom(outputs: StackOutputs): { region: string; baseUrl: string; targets: Targets } {
  const deploy = outputs.deploy_targets?.value;
  const families = outputs.task_definition_families?.value;
  if (!deploy || !families || !outputs.region || !outputs.base_url) {
    throw new ReleaseError(
      'the stack has no outputs region, base_url, deploy_targets and task_definition_families: was it applied?',
    );
  }
  const targets: Targets = {};
  for (const [name, t] of Object.entries(deploy)) {
    const family = families[name];
    if (!family) throw new ReleaseError(`no task definition family for ${name}`);
    targets[name] = { ...t, family };
  }
  return { region: outputs.region.value, baseUrl: outputs.base_url.value, targets };
}

/** What ECS runs for a service, and the newest revision of its family. */
export interface Running {
  /** Image reference of the service's container in the task definition the service runs. */
  image: string | undefined;
  taskDefinition: string | undefined;
  latestTaskDefinition: string | undefined;
  cpuArchitecture: 'X86_64' | 'ARM64';
}

export class ReleaseError extends Error {
  override name = 'ReleaseError';
}

const COMMIT = /^[0-9a-f]{40}$/;

/** The tag of an image reference (repository:tag), or undefined for a digest or no tag. */
export function tagOf(image: string | undefined): string | undefined {
  if (!image || image.includes('@')) return undefined;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : undefined;
}

/** The Docker platforms of the CPU architectures environments run on (their tfvars' cpu_architecture). */
export function platformsOf(architectures: Iterable<string>): string {
  const platforms = new Set<string>();
  for (const a of architectures) platforms.add(a === 'ARM64' ? 'linux/arm64' : 'linux/amd64');
  return [...platforms].sort().join(',') || 'linux/amd64';
}

/** cpu_architecture of one environment's tfvars text (the stack's default, X86_64, when unset). */
export function architectureOf(tfvars: string): 'X86_64' | 'ARM64' {
  const set = tfvars.match(/^\s*cpu_architecture\s*=\s*"(X86_64|ARM64)"/m);
  return set?.[1] === 'ARM64' ? 'ARM64' : 'X86_64';
}

/** Reads, per service, what ECS runs (the calls the old workflow made with the AWS CLI). */
export async function readRunning(ecs: ECSClient, targets: Targets): Promise<Record<string, Running>> {
  const running: Record<string, Running> = {};
  for (const [name, t] of Object.entries(targets)) {
    const services = await ecs.send(new DescribeServicesCommand({ cluster: t.cluster, services: [t.service] }));
    const current = services.services?.[0]?.taskDefinition;
    const runs = current
      ? (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: current }))).taskDefinition
      : undefined;
    const latest = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: t.family }))).taskDefinition;
    running[name] = {
      image: runs?.containerDefinitions?.find((c) => c.name === name)?.image,
      taskDefinition: current,
      latestTaskDefinition: latest?.taskDefinitionArn,
      cpuArchitecture: latest?.runtimePlatform?.cpuArchitecture === 'ARM64' ? 'ARM64' : 'X86_64',
    };
  }
  return running;
}

export interface BuildPlanInput {
  targets: Targets;
  running: Record<string, Running>;
  /** The commit being released (GITHUB_SHA). */
  commit: string;
  /** Platforms to build for (platformsOf every environment's architecture). */
  platforms: string;
  /** Is the code that goes into `service`'s image the same at `from` as at the released commit? */
  sameCode: (from: string, service: string) => boolean;
}

/** The first environment: build what is not built from the current code, redeploy what Terraform reconfigured. */
export function planBuild(o: BuildPlanInput): ReleasePlan {
  const plan: ReleasePlan = { build: [], promote: [], deploy: [], notes: [] };
  for (const [name, target] of Object.entries(o.targets)) {
    const r = o.running[name];
    if (!r) throw new ReleaseError(`no ECS state read for ${name}`);
    const from = tagOf(r.image);
    if (from && COMMIT.test(from) && o.sameCode(from, name)) {
      if (r.latestTaskDefinition && r.latestTaskDefinition !== r.taskDefinition) {
        plan.deploy.push({ service: name, image: null });
        plan.notes.push(
          `${name}: code as of ${from.slice(0, 7)} runs; Terraform registered a newer revision: redeploy its image`,
        );
      } else plan.notes.push(`${name}: up to date (${from.slice(0, 7)})`);
      continue;
    }
    plan.build.push({ service: name, platforms: o.platforms, repository: target.repository, tag: o.commit });
    plan.deploy.push({ service: name, image: `${target.repository}:${o.commit}` });
    plan.notes.push(
      `${name}: runs ${r.image ?? 'nothing'}: build and deploy ${o.commit.slice(0, 7)} for ${o.platforms}`,
    );
  }
  return plan;
}

export interface PromotionPlanInput {
  targets: Targets;
  running: Record<string, Running>;
  /** What the previous environment runs, by service. */
  images: Images;
  /** The digest of `tag` in this environment's repository of `service`, undefined when absent. */
  digestOf: (service: string, tag: string) => Promise<string | undefined>;
}

/** A next environment: every service runs the previous environment's image, by digest. */
export async function planPromotion(o: PromotionPlanInput): Promise<ReleasePlan> {
  const plan: ReleasePlan = { build: [], promote: [], deploy: [], notes: [] };
  for (const [name, target] of Object.entries(o.targets)) {
    const from = o.images[name];
    if (!from) throw new ReleaseError(`the previous environment runs no image of ${name}: deploy it there first`);
    const r = o.running[name];
    if (!r) throw new ReleaseError(`no ECS state read for ${name}`);
    const runningTag = tagOf(r.image);
    const runningDigest = runningTag ? await o.digestOf(name, runningTag) : undefined;
    if (runningDigest === from.digest) {
      if (r.latestTaskDefinition && r.latestTaskDefinition !== r.taskDefinition) {
        plan.deploy.push({ service: name, image: null });
        plan.notes.push(
          `${name}: runs ${from.tag.slice(0, 7)} (${short(from.digest)}); Terraform registered a newer revision: redeploy it`,
        );
      } else plan.notes.push(`${name}: up to date (${from.tag.slice(0, 7)}, ${short(from.digest)})`);
      continue;
    }
    plan.promote.push({ service: name, from, repository: target.repository });
    plan.deploy.push({ service: name, image: `${target.repository}:${from.tag}` });
    plan.notes.push(`${name}: runs ${r.image ?? 'nothing'}: promote ${from.tag.slice(0, 7)} (${short(from.digest)})`);
  }
  return plan;
}

/**
 * The repository of a pull request's own for a service's preview images (infra/terraform/preview
 * creates it): beside the environment's, <registry>/<prefix>/pr<N>/<service>.
 */
export function previewRepository(repository: string, pr: number): string {
  const slash = repository.lastIndexOf('/');
  return `${repository.slice(0, slash)}/pr${pr}${repository.slice(slash)}`;
}

export interface PreviewPlanInput {
  /** The environment's targets (staging's): its images are reused where the code is the same. */
  targets: Targets;
  /** The pull request: what it builds goes to repositories of its own (previewRepository). */
  pr: number;
  /** What staging runs, by service. */
  running: Record<string, Running>;
  commit: string;
  platforms: string;
  sameCode: (from: string, service: string) => boolean;
}

/**
 * A pull request's preview: staging's image where the code is staging's, else a build of the
 * pull request into a repository of its own (staging's keep their 30 latest images only: previews
 * pushing there would expire the ones staging runs).
 */
export function planPreview(o: PreviewPlanInput): ReleasePlan & { images: Record<string, string>; builds: string[] } {
  const plan = {
    build: [] as BuildItem[],
    promote: [],
    deploy: [],
    notes: [] as string[],
    images: {} as Record<string, string>,
    builds: [] as string[],
  };
  for (const [name, target] of Object.entries(o.targets)) {
    const image = o.running[name]?.image;
    const from = tagOf(image);
    if (image && from && COMMIT.test(from) && o.sameCode(from, name)) {
      plan.images[name] = image;
      plan.notes.push(`${name}: same code as staging runs (${from.slice(0, 7)}): its image`);
      continue;
    }
    const repository = previewRepository(target.repository, o.pr);
    plan.build.push({ service: name, platforms: o.platforms, repository, tag: o.commit });
    plan.builds.push(name);
    plan.images[name] = `${repository}:${o.commit}`;
    plan.notes.push(`${name}: changed by the pull request: build ${o.commit.slice(0, 7)} into ${repository}`);
  }
  return plan;
}

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

/** ECR's repository name of a repository URL (registry/name). */
export const repositoryName = (url: string) => url.slice(url.indexOf('/') + 1);

/** The digest of an image tag in ECR, or undefined when the tag does not exist. */
export async function ecrDigest(ecr: ECRClient, repositoryUrl: string, tag: string): Promise<string | undefined> {
  try {
    const found = await ecr.send(
      new DescribeImagesCommand({ repositoryName: repositoryName(repositoryUrl), imageIds: [{ imageTag: tag }] }),
    );
    return found.imageDetails?.[0]?.imageDigest;
  } catch (err) {
    if (err instanceof ImageNotFoundException || (err as Error).name === 'ImageNotFoundException') return undefined;
    throw err;
  }
}

/** Copies an image, byte for byte, from `source` (repository@digest) to `destination` (repository:tag). */
export type CopyImage = (source: string, destination: string) => Promise<void>;

/**
 * Puts each promoted image into this environment's repository and proves it is the same image:
 * the tag there must have the source's digest (ECR tags are immutable, so once it has, it always
 * will). A tag that already exists with another digest stops the release.
 */
export async function promote(
  items: PromoteItem[],
  d: { ecr: ECRClient; copy: CopyImage; log: (line: string) => void },
): Promise<void> {
  for (const item of items) {
    const destination = `${item.repository}:${item.from.tag}`;
    const before = await ecrDigest(d.ecr, item.repository, item.from.tag);
    if (before && before !== item.from.digest) {
      throw new ReleaseError(
        `${destination} exists with digest ${before}, not ${item.from.digest}: not the image the previous environment runs`,
      );
    }
    if (!before) await d.copy(`${item.from.repository}@${item.from.digest}`, destination);
    const after = await ecrDigest(d.ecr, item.repository, item.from.tag);
    if (after !== item.from.digest) {
      throw new ReleaseError(`${destination} has digest ${after ?? '(none)'} after the copy, not ${item.from.digest}`);
    }
    d.log(`${item.service}: ${destination} is ${after}${before ? ' (already there)' : ''}: the same image`);
  }
}

/** What the environment runs now, by service, with each image's digest: the next environment's input. */
export async function currentImages(ecs: ECSClient, ecr: ECRClient, targets: Targets): Promise<Images> {
  const running = await readRunning(ecs, targets);
  const images: Images = {};
  for (const [name, target] of Object.entries(targets)) {
    const tag = tagOf(running[name]?.image);
    if (!tag) throw new ReleaseError(`${name} runs ${running[name]?.image ?? 'nothing'}: no tag to promote`);
    const digest = await ecrDigest(ecr, target.repository, tag);
    if (!digest) throw new ReleaseError(`${name} runs ${target.repository}:${tag}, which its repository does not have`);
    images[name] = { repository: target.repository, tag, digest };
  }
  return images;
}
