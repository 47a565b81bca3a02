/**
 * Setup's last step: the files it wrote (tfvars, backends), committed on a branch of their own
 * and proposed as a pull request, whose plan the plan workflow comments (it runs for pull
 * requests that touch infra/). A second run finds the branch and the pull request as they are.
 * When the checkout is the default branch, up to date, it moves to the new branch (the files
 * are already there), so pulling the default branch after the merge meets no local change.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from './errors.ts';
import { git, proposeBranch, pushRemote, tryGit } from './git.ts';
import type { GitHub } from './github.ts';
import { webBase } from './github.ts';
import type { RepoInfo } from './github-state.ts';
import type { Report } from './report.ts';

export const SETUP_BRANCH = 'platform-setup';

const TITLE = 'Configure the platform for this repository (npm run setup)';

function body(files: string[]): string {
  return [
    "Written by `npm run setup`: the environments' tfvars (name, region, environment, admin emails) and the backend files (the state bucket the bootstrap created).",
    '',
    ...files.map((f) => `- \`${f}\``),
    '',
    'The plan workflow comments the plan on this pull request. Merging it deploys: staging first, then production after an approval.',
    'Check the whole setup at any time with `npm run doctor`.',
  ].join('\n');
}

export async function proposePullRequest(o: {
  root: string;
  repo: RepoInfo;
  gh: GitHub | undefined;
  files: string[];
  report: Report;
  env: NodeJS.ProcessEnv;
}): Promise<void> {
  const { root, repo, report } = o;
  report.section('Pull request');
  const files = o.files.filter((f) => existsSync(join(root, f)));
  const remote = await pushRemote(root, repo.fullName, o.env.GH_HOST || 'github.com');
  const byHand = [
    `git switch -c ${SETUP_BRANCH} && git add ${files.join(' ')} && git commit -m "${TITLE}" && git push -u origin ${SETUP_BRANCH}`,
    `gh pr create --repo ${repo.fullName} --base ${repo.defaultBranch} --head ${SETUP_BRANCH} --fill`,
  ];
  if (!remote) {
    report.line('todo', `no git remote to push to; by hand:\n${byHand.join('\n')}`);
    return;
  }
  let proposed: Awaited<ReturnType<typeof proposeBranch>>;
  try {
    proposed = await proposeBranch({
      root,
      remote,
      defaultBranch: repo.defaultBranch,
      branch: SETUP_BRANCH,
      files,
      message: `${TITLE}\n\n${body(files)}`,
    });
  } catch (err) {
    report.line('todo', `cannot push the branch (${describeError(err)}); by hand:\n${byHand.join('\n')}`);
    return;
  }
  if (!proposed.commit) {
    report.line('ok', `${repo.defaultBranch} already has setup's files as they are now: nothing to propose`);
    return;
  }
  report.line(
    proposed.pushed ? 'set' : 'ok',
    `branch ${SETUP_BRANCH}${proposed.pushed ? ' pushed' : ' is up to date'} (${proposed.commit.slice(0, 7)})`,
  );
  await switchCheckout(root, repo.defaultBranch, proposed.base, proposed.commit, files, report);

  const compare = `${webBase(o.env)}/${repo.fullName}/compare/${repo.defaultBranch}...${SETUP_BRANCH}?expand=1`;
  if (!o.gh?.authenticated) {
    report.line('todo', `open the pull request: ${compare}\n(or: ${byHand[1]})`);
    return;
  }
  try {
    const open = await o.gh.ok<Array<{ number: number; html_url: string }>>(
      'GET',
      `/repos/${repo.fullName}/pulls?state=open&head=${encodeURIComponent(`${repo.owner}:${SETUP_BRANCH}`)}`,
    );
    if (open[0]) {
      report.line('ok', `pull request #${open[0].number} is open: ${open[0].html_url}`);
      return;
    }
    const pr = await o.gh.ok<{ number: number; html_url: string }>('POST', `/repos/${repo.fullName}/pulls`, {
      title: TITLE,
      head: SETUP_BRANCH,
      base: repo.defaultBranch,
      body: body(files),
    });
    report.line('set', `pull request #${pr.number}: ${pr.html_url}`);
  } catch (err) {
    report.line('todo', `cannot open the pull request (${describeError(err)}): ${compare}`);
  }
}

async function switchCheckout(
  root: string,
  defaultBranch: string,
  base: string,
  commit: string,
  files: string[],
  report: Report,
) {
  const branch = await tryGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], root);
  const head = await tryGit(['rev-parse', 'HEAD'], root);
  if (branch === SETUP_BRANCH) return;
  if (branch !== defaultBranch || head !== base) {
    report.line(
      'warn',
      `your checkout (${branch ?? 'detached'}) keeps setup's files as uncommitted changes: commit them there, or drop them (git checkout -- ${files.join(' ')}) once the pull request is merged`,
    );
    return;
  }
  // the index takes the files first: the checkout then keeps them instead of refusing to overwrite
  await git(['add', '--', ...files], { cwd: root });
  await git(['checkout', '--quiet', '-B', SETUP_BRANCH, commit], { cwd: root });
  report.line(
    'set',
    `your checkout is on ${SETUP_BRANCH} now (${defaultBranch} is unchanged: after the merge, git switch ${defaultBranch} && git pull)`,
  );
}
