import * as z from 'zod';

/** Database credentials, as DocumentDB's managed master-user secret holds them. */
export interface Credentials {
  username: string;
  password: string;
}

/**
 * Where the current credentials come from. It answers candidates in the order to try them: a
 * rotation changes the database first and the secret's AWSCURRENT version after, so in between
 * the new password is only in the AWSPENDING version.
 */
export type CredentialsSource = () => Promise<Credentials[]>;

const secretSchema = z.object({ username: z.string().min(1), password: z.string().min(1) });

/**
 * A Secrets Manager secret holding `{"username", "password"}` (plus any other fields, which are
 * ignored): AWSCURRENT first, then AWSPENDING when a rotation is under way. Region and
 * credentials come from the task's environment and role, as for any AWS SDK client; the SDK is
 * loaded on first use, so a service that never reads a secret never pays for it.
 */
export function secretsManagerCredentials(secretId: string): CredentialsSource {
  let client: import('@aws-sdk/client-secrets-manager').SecretsManagerClient | undefined;
  return async () => {
    const sdk = await import('@aws-sdk/client-secrets-manager');
    client ??= new sdk.SecretsManagerClient({});
    const read = async (stage: 'AWSCURRENT' | 'AWSPENDING'): Promise<Credentials | undefined> => {
      try {
        const out = await client?.send(new sdk.GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
        const parsed = secretSchema.safeParse(JSON.parse(out?.SecretString ?? 'null'));
        if (!parsed.success) throw new Error(`secret ${secretId} (${stage}) has no username and password`);
        return parsed.data;
      } catch (err) {
        // No rotation under way: there is no AWSPENDING version, which is fine.
        if (stage === 'AWSPENDING' && err instanceof Error && err.name === 'ResourceNotFoundException') return;
        throw err;
      }
    };
    const current = await read('AWSCURRENT');
    const pending = await read('AWSPENDING').catch(() => undefined);
    return [current, pending].filter(
      (c, i, all): c is Credentials => c !== undefined && (i === 0 || c.password !== all[0]?.password),
    );
  };
}

/** Credentials that never change (MONGO_USERNAME / MONGO_PASSWORD, or none). */
export const fixedCredentials =
  (credentials: Credentials | undefined): CredentialsSource =>
  async () =>
    credentials ? [credentials] : [];
