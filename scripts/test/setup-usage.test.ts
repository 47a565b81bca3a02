/**
 * setup where it must stop before changing anything: no terminal and a value missing (exit 2,
 * the flag to pass, at once, with stdin left open: it never waits for input), detected values
 * without --yes, values Terraform would refuse, and a private repository on GitHub Free, which
 * cannot have the environments the deploy roles trust.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from './fake-github.ts';
import { type Moto, startMoto } from './ops-moto.ts';
import { createFork, type Fork, run, runInTerminal } from './setup-fork.ts';

let moto: Moto;
let github: FakeGitHub | undefined;
const forks: Fork[] = [];

beforeAll(async () => {
  moto = await startMoto();
}, 60_000);

afterEach(async () => {
  await github?.close();
  github = undefined;
});

afterAll(() => {
  moto?.close();
  for (const f of forks) f.cleanup();
});

/** The fake GitHub (acme/shop, ids 42 and 7) and the environment pointing setup at it and at moto. */
async function githubAndAws(o: { private?: boolean; plan?: string }, region: string) {
  const gh = await startFakeGitHub({ owner: 'acme', name: 'shop', id: 42, ownerId: 7, ...o });
  github = gh;
  return {
    gh,
    env: { AWS_ENDPOINT_URL: moto.endpoint, GITHUB_API_URL: gh.url, GH_TOKEN: gh.token, AWS_REGION: region },
  };
}

function fork(o: { gitEmail?: string } = {}) {
  const f = createFork('acme/shop', o);
  forks.push(f);
  return f;
}

/** Nothing of the fork changed, nothing asked of GitHub or written to it. */
function unchanged(f: Fork) {
  expect(f.git('status', '--porcelain')).toBe('');
  expect(f.git('rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
}

describe('without a terminal', () => {
  it('a missing value: exit 2 with the flag to pass, without waiting for stdin, before any call', async () => {
    const f = fork();
    const { gh, env } = await githubAndAws({}, 'eu-west-1');
    const r = await run('setup', f, ['--yes'], { env, timeoutMs: 20_000 }); // stdin stays open
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe('error: no terminal to ask: pass --admin-email EMAIL');
    expect(gh.requests).toEqual([]);
    unchanged(f);
  });

  it('detected values are used only with --yes: without it, exit 2 naming them and --yes', async () => {
    const f = fork({ gitEmail: 'dev@example.com' });
    const r = await run('setup', f, [], { env: { AWS_REGION: 'ap-south-1' }, timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: no terminal to ask: pass --yes to accept the detected');
    expect(r.stderr).toContain('--region ap-south-1 (AWS_REGION)');
    expect(r.stderr).toContain('--admin-email dev@example.com (git config user.email)');
    expect(r.stderr).toContain('--name shop (the repository name)');
    unchanged(f);
  });

  it('a value Terraform would refuse stops it at once (exit 2), saying what is expected', async () => {
    const f = fork();
    const cases: Array<[string[], string]> = [
      [['--region', 'europe'], '--region: "europe" is not an AWS region name such as eu-west-1'],
      [['--name', 'My_Shop'], '--name: "My_Shop" is not 2-13 lower-case letters, digits or dashes'],
      [['--admin-email', 'me at example.com'], '--admin-email: "me at example.com" is not an email address'],
      [['--environments', 'staging,github'], '--environments: "github" is reserved'],
      [['--repo', 'acme'], '--repo: "acme" is not owner/name of a GitHub repository'],
      [['--regoin', 'eu-west-1'], "error: Unknown option '--regoin'"],
    ];
    for (const [args, message] of cases) {
      const r = await run('setup', f, ['--yes', '--admin-email', 'me@example.com', ...args], { timeoutMs: 20_000 });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
    }
    unchanged(f);
  });
});

describe("the repository's plan", () => {
  it('a private repository on GitHub Free: stops before any change and says to make it public or upgrade', async () => {
    const f = fork();
    const { gh, env } = await githubAndAws({ private: true, plan: 'free' }, 'eu-west-1');
    const r = await run('setup', f, ['--yes', '--admin-email', 'me@example.com'], { env, timeoutMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(
      'FIX   acme/shop is private on GitHub Free: it cannot have environments, which the deploy roles trust, nor branch protection. Make it public',
    );
    expect(r.stdout).toContain(
      'or upgrade to GitHub Pro (environments, no approvals) or GitHub Enterprise (approvals too)',
    );
    expect(r.stdout).toContain('Nothing was changed.');
    expect(gh.writes()).toEqual([]);
    unchanged(f);

    // doctor says the same
    const d = await run('doctor', f, [], { env });
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('FIX   acme/shop is private on GitHub Free');
  });
});

describe('on a terminal', () => {
  it('asks each value with what it detected as the answer Enter gives, re-asks a bad one, reads passwords without echo, and changes nothing when told no', async () => {
    const f = fork({ gitEmail: 'dev@example.com' });
    const { gh, env } = await githubAndAws({}, 'eu-central-1');
    const password = 'typed-but-never-shown-9f3a';
    const session = await runInTerminal(f, [], {
      env,
      answers: [
        ['GitHub repository (git remote) [acme/shop]: ', ''],
        ['Environments, in promotion order (environments/*.tfvars) [staging,production]: ', ''],
        ['Project name (prefix of every AWS resource) (the repository name) [shop]: ', 'Bad_Name'],
        ['Project name (prefix of every AWS resource) (the repository name) [shop]: ', ''],
        ['AWS region (AWS_REGION) [eu-central-1]: ', ''],
        ['(git config user.email) [dev@example.com]: ', ''],
        [
          "Email of the smoke flow's admin (it signs up on the first deploy) (your email, +smoke) [dev+smoke@example.com]: ",
          '',
        ],
        ['SMOKE_ADMIN_PASSWORD for staging (not shown; Enter: generate a random one): ', 'short'],
        ['SMOKE_ADMIN_PASSWORD for staging (not shown; Enter: generate a random one): ', password],
        ['SMOKE_ADMIN_PASSWORD for production (not shown; Enter: generate a random one): ', ''],
        ['Go ahead? [Y/n]: ', 'n'],
      ],
    });
    expect(session.unanswered, session.transcript).toEqual([]);
    expect(session.code).toBe(1);
    expect(session.transcript).toContain('Bad_Name'); // echoed: an ordinary question
    expect(session.transcript).toContain('"Bad_Name" is not 2-13 lower-case letters');
    expect(session.transcript).toContain('at least 12 characters, or Enter to generate one');
    expect(session.transcript).not.toContain(password);
    expect(session.transcript).not.toContain('short\r');
    expect(session.transcript).toContain(
      'platform setup: acme/shop, name shop, region eu-central-1, environments staging, production, admin dev@example.com',
    );
    expect(session.transcript).toContain('bootstrap: Plan: ');
    expect(session.transcript).toContain('Nothing was changed.');
    expect(gh.writes()).toEqual([]);
    unchanged(f);
  }, 120_000);
});
