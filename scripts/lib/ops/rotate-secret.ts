/**
 * `rotate-secret <name>`: jwt (two phases, see rotate-jwt.ts), docdb (the database master
 * password, which RDS manages and rotates), amqp (only from inside the VPC: says how).
 */
import { DescribeSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { sleep } from '@platform/shared/async';
import type { Context } from './context.ts';
import { OpsError } from './errors.ts';
import { duration } from './format.ts';
import { type RollOptions, readersOf, rollServices } from './roll.ts';
import { rotateJwt } from './rotate-jwt.ts';

export const SECRET_NAMES = ['jwt', 'docdb', 'amqp'] as const;

export interface RotateOptions extends RollOptions {
  name: string;
  retire: boolean;
  /** docdb: also give every service new tasks once the rotation is done. */
  roll: boolean;
}

export async function rotateSecret(ctx: Context, o: RotateOptions): Promise<void> {
  switch (o.name) {
    case 'jwt':
      return rotateJwt(ctx, o);
    case 'docdb':
      return rotateDatabasePassword(ctx, o);
    case 'amqp':
      throw new OpsError(
        [
          'rotate-secret amqp changes nothing: the broker password cannot be changed from here.',
          `Amazon MQ for RabbitMQ keeps its users in RabbitMQ itself, changed only through RabbitMQ's management API, which a private broker serves inside the VPC alone; the secrets ${ctx.names.prefix}/mq-admin-password and ${ctx.names.prefix}/amqp-url only describe the user.`,
          'Change it through a running task, a new user first so that nothing stops: docs/SECURITY.md, "Changing the broker password" (after a leak: docs/RUNBOOK.md, "Broker password").',
        ].join('\n'),
      );
    default:
      throw new OpsError(`unknown secret ${o.name}; secrets: ${SECRET_NAMES.join(', ')}`, 2);
  }
}

const stageVersion = (stages: Record<string, string[]> | undefined, stage: string) =>
  Object.entries(stages ?? {}).find(([, s]) => s.includes(stage))?.[0];

/**
 * How a service names the database master secret: MONGO_CREDENTIALS_SECRET, the secret's ARN in
 * its plain environment (infra/terraform/main.tf, service_environment: the service reads it
 * itself); MONGO_PASSWORD, injected by ECS, in task definitions registered before that.
 */
const DATABASE_SECRET_VARIABLES = ['MONGO_CREDENTIALS_SECRET', 'MONGO_PASSWORD'];

/**
 * The database master password lives in the secret RDS manages for the cluster (found through
 * DATABASE_SECRET_VARIABLES). RotateSecret makes RDS set a new password on the cluster and
 * store it; the services read the secret again when the database refuses their credentials.
 */
async function rotateDatabasePassword(ctx: Context, o: RotateOptions): Promise<void> {
  const readers = await readersOf(ctx, (_arn, variable) => DATABASE_SECRET_VARIABLES.includes(variable));
  const arns = [...new Set(readers.flatMap((r) => r.secrets))];
  const variables = DATABASE_SECRET_VARIABLES.join(' or ');
  if (arns.length === 0) {
    throw new OpsError(
      `no service of ${ctx.names.cluster} names its database secret (${variables}): nothing to rotate`,
    );
  }
  if (arns.length > 1)
    throw new OpsError(
      `the services read the database credentials from different secrets (${variables}): ${arns.join(', ')}`,
    );
  const arn = arns[0] as string;
  const describe = () => ctx.aws.secrets.send(new DescribeSecretCommand({ SecretId: arn }));
  const before = stageVersion((await describe()).VersionIdsToStages, 'AWSCURRENT');
  ctx.out(`${arn}: rotating (read by ${readers.map((r) => r.service.serviceName).join(', ')})`);
  await ctx.aws.secrets.send(new RotateSecretCommand({ SecretId: arn }));

  const started = Date.now();
  for (;;) {
    const stages = (await describe()).VersionIdsToStages;
    const current = stageVersion(stages, 'AWSCURRENT');
    if (current && current !== before && !stageVersion(stages, 'AWSPENDING')) break;
    if (Date.now() - started > o.timeoutMs) {
      throw new OpsError(
        `the rotation of ${arn} started but has not finished after ${duration(Date.now() - started)}: see the secret's rotation status in the Secrets Manager console`,
      );
    }
    await sleep(o.pollMs);
  }
  ctx.out(`${arn}: rotated: the database has a new master password (${duration(Date.now() - started)})`);
  if (!o.roll) {
    ctx.out(
      'The services read the secret again when the database refuses their credentials and reconnect with the new password: no restart needed. (Services older than that re-read need new tasks: rotate with --roll, which starts them once the rotation is done.)',
    );
    return;
  }
  const failed = await rollServices(
    ctx,
    readers.map((r) => r.service),
    o,
  );
  if (failed.length > 0) throw new OpsError(`${failed.join(', ')} did not roll; see the events above`);
}
