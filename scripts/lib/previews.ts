/**
 * Which pull-request previews outlived their pull request: preview-sweep.yml tears down every
 * preview whose state (previews/pr-<N>.tfstate in the state bucket) belongs to a pull request that
 * is no longer open (closed while preview.yml did not run, or its teardown failed).
 */

/** The pull request numbers of the preview states among the state bucket's keys. */
export function previewNumbers(keys: readonly string[] | null | undefined): number[] {
  const numbers = (keys ?? []).flatMap((key) => {
    const m = key.match(/^previews\/pr-([1-9][0-9]*)\.tfstate$/);
    return m ? [Number(m[1])] : [];
  });
  return [...new Set(numbers)].sort((a, b) => a - b);
}

export interface GitHubRepo {
  apiUrl: string;
  token: string;
  repository: string;
  fetch?: typeof fetch;
}

/** Is the pull request open? (A pull request GitHub does not know is not.) */
export async function isOpen(repo: GitHubRepo, pr: number): Promise<boolean> {
  const res = await (repo.fetch ?? fetch)(`${repo.apiUrl.replace(/\/+$/, '')}/repos/${repo.repository}/pulls/${pr}`, {
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${repo.token}`,
      'x-github-api-version': '2022-11-28',
    },
    signal: AbortSignal.timeout(30_000),
  });
  if (res.status === 404) return false;
  if (!res.ok) throw new Error(`GitHub API GET pulls/${pr}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { state?: string }).state === 'open';
}

/** The previews to tear down: those of pull requests that are not open. */
export async function stalePreviews(keys: readonly string[] | null, repo: GitHubRepo): Promise<number[]> {
  const stale: number[] = [];
  for (const pr of previewNumbers(keys)) if (!(await isOpen(repo, pr))) stale.push(pr);
  return stale;
}
