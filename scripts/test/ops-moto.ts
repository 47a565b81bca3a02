/**
 * What the ops CLI's tests share: a moto_server of their own, the stack as infra/terraform names
 * it (cluster platform-production, services with their task definitions, log groups and
 * secrets) built in it through the real SDK, the CLI run as users run it (a child process), and
 * a pass-through proxy in front of moto for the few answers moto cannot give (a task's non-zero
 * exit code) or to watch what the CLI asks for and when.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { freePort, waitForPort } from '../../test/servers.ts';

export const REGION = 'eu-west-1'; // infra/terraform/environments/production.tfvars
export const CLUSTER = 'platform-production';
export const SERVICES = ['customer', 'products', 'shopping'] as const;
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface Moto {
  endpoint: string;
  ecs: ECSClient;
  logs: CloudWatchLogsClient;
  secrets: SecretsManagerClient;
  close(): void;
}

/** A moto_server on a free port; its services report every task of a service running. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    env: { ...process.env, MOTO_ECS_SERVICE_RUNNING: '2' },
  });
  const spawnFailed = new Promise<never>((_, reject) =>
    child.once('error', () => reject(new Error("moto_server is not installed: pip install 'moto[server]==5.2.1'"))),
  );
  await Promise.race([waitForPort(port, 30_000, 'moto_server'), spawnFailed]);
  const endpoint = `http://127.0.0.1:${port}`;
  const config = { endpoint, region: REGION, credentials };
  return {
    endpoint,
    ecs: new ECSClient(config),
    logs: new CloudWatchLogsClient(config),
    secrets: new SecretsManagerClient(config),
    close: () => child.kill(),
  };
}

/** moto's default VPC: a subnet and a security group that exist (awsvpc tasks need them). */
export async function defaultNetwork(endpoint: string): Promise<{ subnet: string; securityGroup: string }> {
  const ec2 = async (action: string) => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: `Action=${action}&Version=2016-11-15`,
    });
    return res.text();
  };
  const subnet = (await ec2('DescribeSubnets')).match(/<subnetId>([^<]+)/)?.[1];
  const securityGroup = (await ec2('DescribeSecurityGroups')).match(/<groupId>([^<]+)/)?.[1];
  if (!subnet || !securityGroup) throw new Error('moto has no default subnet or security group');
  return { subnet, securityGroup };
}

/** moto moves a task one state on (RUNNING ... STOPPED, four steps) every `times` DescribeTasks. */
export async function taskTransition(endpoint: string, times: number): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times } }),
  });
  if (!res.ok) throw new Error(`moto set-transition: ${res.status}`);
}

export interface Stack {
  /** The JWT keys secret's ARN and the database master secret's ARN. */
  jwtArn: string;
  dbArn: string;
  /** Task definition ARNs per service, oldest first. */
  revisions: Record<string, string[]>;
  subnet: string;
  securityGroup: string;
}

export const image = (service: string, sha: string) =>
  `123456789012.dkr.ecr.${REGION}.amazonaws.com/platform-production/${service}:${sha}`;

/**
 * The task definition as modules/ecs registers it (moto also wants a container memory): the
 * database secret's ARN in MONGO_CREDENTIALS_SECRET (the service reads it itself), or, with
 * `database: 'injected'`, as task definitions registered before that had it (MONGO_USERNAME and
 * MONGO_PASSWORD injected by ECS).
 */
export async function registerRevision(
  m: Moto,
  stack: Pick<Stack, 'jwtArn' | 'dbArn'>,
  service: string,
  sha: string,
  o: { database?: 'by-arn' | 'injected' } = {},
) {
  const injected = o.database === 'injected';
  const out = await m.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: `${CLUSTER}-${service}`,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: service,
          image: image(service, sha),
          essential: true,
          memory: 512,
          environment: [
            { name: 'MONGO_URL', value: `mongodb://db.internal:27017/${service}` },
            ...(injected ? [] : [{ name: 'MONGO_CREDENTIALS_SECRET', value: stack.dbArn }]),
          ],
          secrets: [
            { name: 'JWT_SIGNING_KEY', valueFrom: `${stack.jwtArn}:signing::` },
            { name: 'JWT_ACCEPTED_KEYS', valueFrom: `${stack.jwtArn}:accepted::` },
            ...(injected
              ? [
                  { name: 'MONGO_USERNAME', valueFrom: `${stack.dbArn}:username::` },
                  { name: 'MONGO_PASSWORD', valueFrom: `${stack.dbArn}:password::` },
                ]
              : []),
          ],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': `/ecs/${CLUSTER}/${service}`,
              'awslogs-region': REGION,
              'awslogs-stream-prefix': service,
            },
          },
        },
      ],
    }),
  );
  return out.taskDefinition?.taskDefinitionArn ?? '';
}

/** The cluster, its services (each on a revision running image `sha`), the secrets they read. */
export async function createStack(m: Moto, jwtKeys: { signing: string; accepted: string }): Promise<Stack> {
  const { subnet, securityGroup } = await defaultNetwork(m.endpoint);
  const jwt = await m.secrets.send(
    new CreateSecretCommand({ Name: `${CLUSTER}/jwt-keys`, SecretString: JSON.stringify(jwtKeys) }),
  );
  const db = await m.secrets.send(
    new CreateSecretCommand({
      Name: 'rds!cluster-0a1b2c3d-4e5f',
      SecretString: JSON.stringify({ username: 'platform', password: 'first-password' }),
    }),
  );
  const stack = { jwtArn: jwt.ARN ?? '', dbArn: db.ARN ?? '', revisions: {}, subnet, securityGroup } as Stack;
  await m.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  for (const service of SERVICES) {
    const arn = await registerRevision(m, stack, service, '1111111111111111111111111111111111111111');
    stack.revisions[service] = [arn];
    await m.ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: service,
        taskDefinition: arn,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: { subnets: [subnet], securityGroups: [securityGroup], assignPublicIp: 'DISABLED' },
        },
      }),
    );
  }
  return stack;
}

export interface OpsRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const script = join(import.meta.dirname, '..', 'ops.ts');

/**
 * `node scripts/ops.ts ...args` with test credentials and nothing else of this process's
 * environment; `started` sees the child (to interrupt --follow).
 */
export function ops(
  endpoint: string | undefined,
  args: string[],
  o: { env?: Record<string, string>; started?: (child: ChildProcess) => void; timeoutMs?: number } = {},
): Promise<OpsRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...(endpoint ? ['--endpoint', endpoint] : []), ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_EC2_METADATA_DISABLED: 'true',
        ...o.env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    o.started?.(child);
  });
}

export interface ProxyCall {
  /** X-Amz-Target's action, e.g. UpdateService (JSON protocols). */
  action: string;
  body: Record<string, unknown>;
}

/**
 * A pass-through proxy to moto. `before` runs before a call is forwarded (and may wait, e.g.
 * to read a secret at that moment); `rewrite` may change moto's JSON answer.
 */
export async function startProxy(
  target: string,
  hooks: {
    before?: (call: ProxyCall) => Promise<void> | void;
    rewrite?: (call: ProxyCall, answer: Record<string, unknown>) => Record<string, unknown>;
  },
): Promise<{ url: string; calls: ProxyCall[]; close(): Promise<void> }> {
  const calls: ProxyCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const action =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '';
      let body: Record<string, unknown> = {};
      try {
        body = action ? JSON.parse(raw.toString() || '{}') : {};
      } catch {
        // not JSON (a query-protocol call): passed on untouched
      }
      const call = { action, body };
      calls.push(call);
      await hooks.before?.(call);
      const upstream = request(
        `${target}${req.url}`,
        { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            let out = Buffer.concat(parts);
            if (hooks.rewrite && action && answer.statusCode === 200) {
              out = Buffer.from(JSON.stringify(hooks.rewrite(call, JSON.parse(out.toString() || '{}'))));
            }
            const headers = { ...answer.headers, 'content-length': String(out.length) };
            delete headers['transfer-encoding'];
            res.writeHead(answer.statusCode ?? 500, headers);
            res.end(out);
          });
        },
      );
      upstream.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
