/**
 * Checks a fork's whole setup and says what to fix, one line each (docs/FORKING.md):
 *
 *   npm run doctor [-- --repo OWNER/NAME]
 *
 * Tools, AWS identity, the environment files and every value they repeat, the bootstrap's
 * outputs, the state bucket and roles in AWS, the GitHub repository's variables, environments,
 * reviewers, secrets (by name) and branch protection. Exit 1 when something must be fixed.
 */
import { parseArgs } from 'node:util';
import { describeError, SetupError } from './lib/setup/errors.ts';
import { violation } from './lib/setup/rules.ts';
import { runDoctor } from './lib/setup/run-doctor.ts';

try {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { repo: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) throw new SetupError('usage: npm run doctor [-- --repo OWNER/NAME]', 0);
  if (positionals.length)
    throw new SetupError(`unexpected ${positionals.join(' ')}; usage: npm run doctor [-- --repo OWNER/NAME]`, 2);
  const bad = values.repo && violation('repository', values.repo);
  if (bad) throw new SetupError(`--repo: ${bad}`, 2);
  process.exitCode = await runDoctor(
    { repo: values.repo },
    { cwd: process.cwd(), env: process.env, out: (t) => process.stdout.write(t) },
  );
} catch (err) {
  // parseArgs' own refusals (an unknown option, a missing value) are bad usage too
  const usage = String((err as { code?: string }).code ?? '').startsWith('ERR_PARSE_ARGS');
  const code = err instanceof SetupError ? err.exitCode : usage ? 2 : 1;
  if (code === 0) process.stdout.write(`${(err as Error).message}\n`);
  else process.stderr.write(`error: ${usage ? (err as Error).message : describeError(err)}\n`);
  process.exitCode = code;
}
