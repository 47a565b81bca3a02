/**
 * From a fork to its first deploy in one command (docs/FORKING.md):
 *
 *   npm run setup                       on a terminal: asks, with what it detected as defaults
 *   npm run setup -- --yes [flags]      anywhere: flags and detected values, never a question
 *
 * Writes the environments' tfvars and backend files, applies infra/terraform/bootstrap, sets the
 * GitHub environments, variables and secrets (or prints the gh commands), opens a pull request
 * with the first plan. Run it again at any time: it changes only what is missing.
 * Exit codes: 0 done, 1 failed or stopped, 2 bad usage or a value missing without a terminal.
 */
import { parseArgs } from 'node:util';
import { describeError, SetupError } from './lib/setup/errors.ts';
import { noTerminal, terminalAsker } from './lib/setup/prompt.ts';
import { runSetup } from './lib/setup/run-setup.ts';
import type { SetupFlags } from './lib/setup/values.ts';

const USAGE = `usage: npm run setup -- [options]

  --yes, -y                      use detected values and apply without asking (needed without a terminal)
  --repo OWNER/NAME              GitHub repository (default: the git remote)
  --name NAME                    project name, prefix of every AWS resource (default: the repository's name)
  --region REGION                AWS region (default: your AWS profile's)
  --environments a,b             environments in promotion order (default: staging,production)
  --admin-email EMAIL            your address: admin of the shop (admin_emails)
  --smoke-admin-email EMAIL      the smoke flow's admin (default: your address +smoke)
  --smoke-admin-password-stdin   read SMOKE_ADMIN_PASSWORD from stdin (default: generated)
  --reviewers LOGIN,...          required reviewers of production (default: you)
  --previews / --no-previews     pull-request previews on the staging cluster (PREVIEWS)
  --no-branch-protection         leave the default branch's protection alone
  --no-pull-request              do not push a branch or open the pull request
  --allow-destroy                apply a bootstrap plan that destroys or replaces something

AWS credentials: the usual chain (AWS_PROFILE, aws sso login, ...). GitHub: GH_TOKEN, or gh auth login.`;

function parse(argv: string[]): SetupFlags {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      yes: { type: 'boolean', short: 'y', default: false },
      repo: { type: 'string' },
      name: { type: 'string' },
      region: { type: 'string' },
      environments: { type: 'string' },
      'admin-email': { type: 'string' },
      'smoke-admin-email': { type: 'string' },
      'smoke-admin-password-stdin': { type: 'boolean', default: false },
      reviewers: { type: 'string' },
      previews: { type: 'boolean' },
      'no-previews': { type: 'boolean' },
      'no-branch-protection': { type: 'boolean', default: false },
      'no-pull-request': { type: 'boolean', default: false },
      'allow-destroy': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) throw new SetupError(USAGE, 0);
  if (positionals.length > 0) throw new SetupError(`unexpected ${positionals.join(' ')}\n${USAGE}`, 2);
  if (values.previews && values['no-previews']) throw new SetupError('--previews or --no-previews, not both', 2);
  return {
    yes: values.yes,
    repo: values.repo,
    name: values.name,
    region: values.region,
    environments: values.environments,
    adminEmail: values['admin-email'],
    smokeAdminEmail: values['smoke-admin-email'],
    smokeAdminPasswordStdin: values['smoke-admin-password-stdin'],
    reviewers: values.reviewers,
    previews: values.previews ? true : values['no-previews'] ? false : undefined,
    branchProtection: !values['no-branch-protection'],
    pullRequest: !values['no-pull-request'],
    allowDestroy: values['allow-destroy'],
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

try {
  const flags = parse(process.argv.slice(2));
  // a question needs a terminal on both ends; stdin carrying a password is not one
  const interactive = !!process.stdin.isTTY && !!process.stdout.isTTY && !flags.smokeAdminPasswordStdin;
  process.exitCode = await runSetup(flags, {
    cwd: process.cwd(),
    env: process.env,
    asker: interactive ? terminalAsker() : noTerminal,
    out: (text) => process.stdout.write(text),
    readStdin,
  });
} catch (err) {
  // parseArgs' own refusals (an unknown option, a missing value) are bad usage too
  const usage = String((err as { code?: string }).code ?? '').startsWith('ERR_PARSE_ARGS');
  const code = err instanceof SetupError ? err.exitCode : usage ? 2 : 1;
  if (code === 0) process.stdout.write(`${(err as Error).message}\n`);
  else process.stderr.write(`error: ${usage ? (err as Error).message : describeError(err)}\n`);
  if (process.env.SETUP_DEBUG && code !== 0) process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = code;
}
