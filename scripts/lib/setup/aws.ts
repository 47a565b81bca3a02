/**
 * The AWS look-ups setup and doctor make, over the SDK's usual credential chain (AWS_PROFILE,
 * SSO, environment variables). AWS_ENDPOINT_URL sends them elsewhere (moto, LocalStack), and
 * Terraform's AWS provider honours the same variable, so one setting points both at a fake.
 */
import { GetRoleCommand, IAMClient, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { GetBucketLocationCommand, GetBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

export interface Aws {
  region: string;
  sts: STSClient;
  iam: IAMClient;
  s3: S3Client;
}

export function awsClients(region: string): Aws {
  // path-style S3 addressing: a custom endpoint (moto) has no bucket sub-domains
  const forcePathStyle = !!(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3);
  return {
    region,
    sts: new STSClient({ region }),
    iam: new IAMClient({ region }),
    s3: new S3Client({ region, forcePathStyle }),
  };
}

export interface Identity {
  account: string;
  arn: string;
}

export async function identity(aws: Aws): Promise<Identity> {
  const id = await aws.sts.send(new GetCallerIdentityCommand({}));
  return { account: id.Account ?? '', arn: id.Arn ?? '' };
}

/** Whether the account already has GitHub's OIDC provider (an account holds one per URL). */
export async function hasGithubOidcProvider(aws: Aws): Promise<boolean> {
  const out = await aws.iam.send(new ListOpenIDConnectProvidersCommand({}));
  return (out.OpenIDConnectProviderList ?? []).some((p) => p.Arn?.endsWith(`oidc-provider/${GITHUB_OIDC_HOST}`));
}

export interface BucketFacts {
  exists: boolean;
  region?: string | undefined;
  versioned?: boolean | undefined;
  /** Why it could not be read, when it exists but access was refused. */
  problem?: string | undefined;
}

export async function bucketFacts(aws: Aws, bucket: string): Promise<BucketFacts> {
  try {
    const location = await aws.s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
    const versioning = await aws.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    // us-east-1's buckets answer with no location constraint
    return {
      exists: true,
      region: location.LocationConstraint || 'us-east-1',
      versioned: versioning.Status === 'Enabled',
    };
  } catch (err) {
    const name = (err as { name?: string }).name ?? '';
    if (name === 'NoSuchBucket' || name === 'NotFound') return { exists: false };
    return { exists: true, problem: `${name}: ${(err as Error).message}` };
  }
}

export interface RoleFacts {
  exists: boolean;
  /** The `sub` values its trust policy accepts from GitHub's OIDC provider. */
  subjects: string[];
}

export async function roleFacts(aws: Aws, roleArn: string): Promise<RoleFacts> {
  const name = roleArn.split('/').pop() ?? roleArn;
  try {
    const out = await aws.iam.send(new GetRoleCommand({ RoleName: name }));
    const doc = JSON.parse(decodeURIComponent(out.Role?.AssumeRolePolicyDocument ?? '{}')) as {
      Statement?: Array<{ Condition?: Record<string, Record<string, string | string[]>> }>;
    };
    const subjects = (doc.Statement ?? []).flatMap((s) =>
      Object.values(s.Condition ?? {}).flatMap((c) => {
        const v = c[`${GITHUB_OIDC_HOST}:sub`];
        return v === undefined ? [] : Array.isArray(v) ? v : [v];
      }),
    );
    return { exists: true, subjects };
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchEntityException') return { exists: false, subjects: [] };
    throw err;
  }
}
