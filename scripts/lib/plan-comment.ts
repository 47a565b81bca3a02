/**
 * Keeps ONE pull-request comment with the Terraform plan up to date: found again by a hidden
 * marker, created the first time, edited afterwards. GitHub refuses comments over 65,536
 * characters, so a long plan is cut (on a line, never inside a character), the code fence closed,
 * and the reader sent to the run's step summary, which gets the whole text.
 */

export const COMMENT_LIMIT = 65_536;
/** Room for everything around the plan text. */
const FRAME_BUDGET = 2_000;

export interface PlanSummary {
  line: string;
  changes: boolean;
}

export function summarizePlan(plan: string): PlanSummary {
  const counts = plan.match(/Plan: (\d+) to add, (\d+) to change, (\d+) to destroy/);
  if (counts) return { line: counts[0], changes: counts.slice(1).some((n) => n !== '0') };
  if (/No changes\./.test(plan))
    return { line: 'No changes. Your infrastructure matches the configuration.', changes: false };
  if (/Error:/.test(plan)) return { line: 'Plan failed: see the output below.', changes: false };
  return { line: 'Plan summary not found in the output.', changes: false };
}

/** A fence longer than any run of backticks in the text, so the text cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/**
 * At most `max` characters of `text`, cut at the last line break before the limit and never
 * between the two halves of a surrogate pair.
 */
export function truncate(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  let cut = max;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--; // high surrogate: keep the pair together
  const newline = text.lastIndexOf('\n', cut);
  if (newline > max * 0.8) cut = newline;
  return { text: text.slice(0, cut), truncated: true };
}

export interface CommentInput {
  marker: string;
  title: string;
  plan: string;
  runUrl?: string | undefined;
  commit?: string | undefined;
}

/** Terraform colours its output unless told -no-color: drop the escape sequences. */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const plainText = (plan: string) => plan.replace(ANSI_COLOUR, '').trimEnd();

export function commentBody(o: CommentInput): { body: string; truncated: boolean } {
  const summary = summarizePlan(o.plan);
  const clean = plainText(o.plan);
  const { text, truncated } = truncate(clean, COMMENT_LIMIT - FRAME_BUDGET - o.title.length - o.marker.length);
  const fence = fenceFor(text);
  const parts = [
    `<!-- ${o.marker} -->`,
    `### ${o.title}`,
    '',
    `**${summary.line}**`,
    '',
    '<details><summary>Show the plan</summary>',
    '',
    `${fence}terraform`,
    text,
    fence,
    '',
    '</details>',
  ];
  if (truncated) {
    parts.push(
      '',
      `> The plan is longer than a comment may be (${clean.length.toLocaleString('en')} characters); it was cut above. The whole plan is in the ${o.runUrl ? `[run's step summary](${o.runUrl})` : "run's step summary"}.`,
    );
  }
  const footer = [o.commit && `for \`${o.commit.slice(0, 7)}\``, o.runUrl && `[workflow run](${o.runUrl})`].filter(
    Boolean,
  );
  if (footer.length > 0) parts.push('', `<sub>Updated ${footer.join(' by ')}</sub>`);
  return { body: parts.join('\n'), truncated };
}

export interface GitHubTarget {
  apiUrl: string;
  token: string;
  repository: string;
  pullRequest: number;
  fetch?: typeof fetch;
}

interface Comment {
  id: number;
  body?: string;
}

async function github(t: GitHubTarget, method: string, path: string, body?: unknown): Promise<Response> {
  const res = await (t.fetch ?? fetch)(`${t.apiUrl.replace(/\/+$/, '')}${path}`, {
    method,
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${t.token}`,
      'x-github-api-version': '2022-11-28',
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`GitHub API ${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** The comment carrying `marker`, looking through every page of the pull request's comments. */
export async function findComment(t: GitHubTarget, marker: string): Promise<Comment | undefined> {
  const tag = `<!-- ${marker} -->`;
  for (let page = 1; ; page++) {
    const res = await github(
      t,
      'GET',
      `/repos/${t.repository}/issues/${t.pullRequest}/comments?per_page=100&page=${page}`,
    );
    const comments = (await res.json()) as Comment[];
    const found = comments.find((c) => c.body?.startsWith(tag));
    if (found) return found;
    if (comments.length < 100) return undefined;
  }
}

export async function upsertComment(
  t: GitHubTarget,
  marker: string,
  body: string,
): Promise<{ id: number; action: 'created' | 'updated' }> {
  const existing = await findComment(t, marker);
  if (existing) {
    await github(t, 'PATCH', `/repos/${t.repository}/issues/comments/${existing.id}`, { body });
    return { id: existing.id, action: 'updated' };
  }
  const res = await github(t, 'POST', `/repos/${t.repository}/issues/${t.pullRequest}/comments`, { body });
  return { id: ((await res.json()) as Comment).id, action: 'created' };
}

/** The step summary gets the whole plan (its own limit is 1 MiB per step). */
export function stepSummary(o: CommentInput): string {
  const { text, truncated } = truncate(plainText(o.plan), 1_000_000);
  const fence = fenceFor(text);
  return [
    `### ${o.title}`,
    '',
    `**${summarizePlan(o.plan).line}**`,
    '',
    `${fence}terraform`,
    text,
    fence,
    truncated ? '\n(cut at 1 MB)' : '',
    '',
  ].join('\n');
}
