/**
 * Keeps ONE pull-request comment with the Terraform plans up to date: found again by a hidden
 * marker (in a comment of the expected author: anybody may paste the marker into a comment),
 * created the first time, edited afterwards. The comment is made of sections (one per
 * environment's plan, one for the pull request's preview), each between hidden markers of its
 * own, so that a workflow rewrites its sections and keeps the others'. GitHub refuses comments over 65,536 characters, so a
 * long plan is cut (on a line, never inside a character) to what leaves room for everything
 * around it, the code fence closed, and the reader sent to the run's step summary, which gets the
 * whole text. planDigest fingerprints the part of a plan a reviewer approves, for the deploy
 * workflow to apply a second plan only if it is the reviewed one.
 */

import { createHash } from 'node:crypto';

export const COMMENT_LIMIT = 65_536;
/** GitHub's limit for one step's summary is 1 MiB; this leaves room for the other steps' lines. */
export const SUMMARY_LIMIT_BYTES = 1_000_000;
/** Addresses listed per kind of change in the comment; the plan below has them all. */
const ADDRESSES_PER_ACTION = 25;

export interface PlanSummary {
  line: string;
  changes: boolean;
}

export function summarizePlan(plan: string, exitCode = 0): PlanSummary {
  if (exitCode !== 0) return { line: `Plan failed (exit code ${exitCode}): see the output below.`, changes: false };
  const counts = plan.match(/Plan: (\d+) to add, (\d+) to change, (\d+) to destroy/);
  if (counts) return { line: counts[0], changes: counts.slice(1).some((n) => n !== '0') };
  if (/No changes\./.test(plan))
    return { line: 'No changes. Your infrastructure matches the configuration.', changes: false };
  if (/Error:/.test(plan)) return { line: 'Plan failed: see the output below.', changes: false };
  return { line: 'Plan summary not found in the output.', changes: false };
}

/** What the plan does to which resources, from its `# <address> will be ...` headers. */
const ACTIONS: Array<[label: string, pattern: RegExp]> = [
  ['destroy', /^will be destroyed$/],
  ['replace', /^(must be replaced|will be replaced, as requested)$/],
  ['create', /^will be created$/],
  ['update in place', /^will be updated in-place$/],
  ['move', /^has moved to \S+$/],
  ['forget', /^will no longer be managed by Terraform$/],
  ['read during apply', /^will be read during apply$/],
];

export function resourceChanges(plan: string): Map<string, string[]> {
  const changes = new Map<string, string[]>();
  for (const [, address, what] of plainText(plan).matchAll(/^\s*# (\S+) ((?:will|must|has) .+)$/gm)) {
    if (!address || !what) continue;
    const action = ACTIONS.find(([, pattern]) => pattern.test(what))?.[0];
    if (!action) continue;
    changes.set(action, [...(changes.get(action) ?? []), address]);
  }
  return new Map(ACTIONS.map(([label]) => [label, changes.get(label) ?? []] as const).filter(([, a]) => a.length > 0));
}

function changeLines(plan: string): string[] {
  const lines: string[] = [];
  for (const [action, addresses] of resourceChanges(plan)) {
    const shown = addresses.slice(0, ADDRESSES_PER_ACTION).map((a) => `\`${a.replaceAll('`', "'")}\``);
    const more = addresses.length - shown.length;
    const warn = action === 'destroy' || action === 'replace' ? ' :warning:' : '';
    lines.push(
      `- **${action}** (${addresses.length})${warn}: ${shown.join(', ')}${more > 0 ? `, and ${more} more` : ''}`,
    );
  }
  return lines;
}

/** A fence longer than any run of backticks in the text, so the text cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/**
 * At most `max` characters (UTF-16 code units, never fewer than GitHub counts) of `text`, cut at
 * the last line break before the limit and never between the two halves of a surrogate pair.
 */
export function truncate(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  let cut = Math.max(0, max);
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--; // high surrogate: keep the pair together
  const newline = text.lastIndexOf('\n', cut);
  if (newline > cut * 0.8) cut = newline;
  return { text: text.slice(0, cut), truncated: true };
}

/** The longest start of `text` (cut as truncate does) whose UTF-8 encoding fits `maxBytes`. */
export function truncateBytes(text: string, maxBytes: number): { text: string; truncated: boolean } {
  if (Buffer.byteLength(text) <= maxBytes) return { text, truncated: false };
  // A UTF-16 code unit is at most 3 bytes (a surrogate pair is 4 for 2 units).
  let max = Math.floor(maxBytes / 3);
  for (let step = maxBytes; step >= 1; step = Math.floor(step / 2)) {
    while (max + step <= text.length && Buffer.byteLength(text.slice(0, max + step)) <= maxBytes) max += step;
  }
  return truncate(text, max);
}

export interface CommentInput {
  marker: string;
  title: string;
  plan: string;
  /** terraform plan's exit code: non-zero says the plan failed, whatever the text says. */
  exitCode?: number | undefined;
  runUrl?: string | undefined;
  commit?: string | undefined;
}

/** Terraform colours its output unless told -no-color: drop the escape sequences. */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const plainText = (plan: string) => plan.replace(ANSI_COLOUR, '').trimEnd();

export function markerTag(marker: string): string {
  return `<!-- ${marker} -->`;
}

/**
 * One plan's section: its title, summary line, what changes, the plan in a fold, within `limit`
 * characters (the plan cut on a line to fit, the reader then sent to the run's step summary).
 */
export function planMarkdown(o: CommentInput, limit: number): { text: string; truncated: boolean } {
  const summary = summarizePlan(o.plan, o.exitCode);
  const clean = plainText(o.plan);
  const fence = fenceFor(clean);
  const changes = changeLines(clean);
  const footer = [o.commit && `for \`${o.commit.slice(0, 7)}\``, o.runUrl && `[workflow run](${o.runUrl})`].filter(
    Boolean,
  );
  const build = (text: string, truncated: boolean) => {
    const parts = [`### ${o.title}`, '', `**${summary.line}**`];
    if (changes.length > 0) parts.push('', ...changes);
    parts.push('', '<details><summary>Show the plan</summary>', '', `${fence}terraform`, text, fence, '', '</details>');
    if (truncated) {
      parts.push(
        '',
        `> The plan is longer than a comment may be (${clean.length.toLocaleString('en')} characters); it was cut above. The whole plan is in the ${o.runUrl ? `[run's step summary](${o.runUrl})` : "run's step summary"}.`,
      );
    }
    if (footer.length > 0) parts.push('', `<sub>Updated ${footer.join(' by ')}</sub>`);
    return parts.join('\n');
  };
  const whole = build(clean, false);
  if (whole.length <= limit) return { text: whole, truncated: false };
  // Everything but the plan, with the notice a cut plan gets, is measured; the plan gets the rest.
  const room = limit - build('', true).length;
  if (room < 0) throw new Error('the text around the plan alone is longer than a comment may be');
  return { text: build(truncate(clean, room).text, true), truncated: true };
}

// --- sections -----------------------------------------------------------------------------------

const sectionStart = (key: string) => `<!-- section:${key} -->`;
const sectionEnd = (key: string) => `<!-- /section:${key} -->`;
const SECTION = /<!-- section:([\w.-]+) -->\n([\s\S]*?)\n<!-- \/section:\1 -->/g;

/** The sections of a comment body, in order: key => markdown. */
export function parseSections(body: string): Map<string, string> {
  return new Map([...body.matchAll(SECTION)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

/** A comment body of sections, in the order given. */
export function sectionsBody(marker: string, sections: Map<string, string>): string {
  return [
    markerTag(marker),
    ...[...sections].map(([key, md]) => `${sectionStart(key)}\n${md}\n${sectionEnd(key)}`),
  ].join('\n');
}

/** A section to write: its key, and its markdown within a given number of characters. */
export interface SectionUpdate {
  key: string;
  render: (limit: number) => { text: string; truncated: boolean };
}

/**
 * The comment after `updates`: the sections of `existing` (the comment as it is, or undefined)
 * that are not updated are kept as they are, in their place; updated ones are replaced, new ones
 * appended (a preview section goes first). What room the kept sections leave is shared equally
 * by the updated ones, so the whole stays within GitHub's limit.
 */
export function mergeSections(
  marker: string,
  existing: string | undefined,
  updates: SectionUpdate[],
): { body: string; truncated: boolean } {
  const sections = existing ? parseSections(existing) : new Map<string, string>();
  const keys = new Set(updates.map((u) => u.key));
  for (const key of keys) if (!sections.has(key)) sections.set(key, '');
  const ordered = new Map(
    [...sections].sort(([a], [b]) => Number(b === 'preview') - Number(a === 'preview')), // stable otherwise
  );
  const room = COMMENT_LIMIT - sectionsBody(marker, ordered).length; // with the updated ones empty
  const each = Math.floor(room / Math.max(1, updates.length));
  let truncated = false;
  for (const u of updates) {
    const rendered = u.render(each);
    truncated ||= rendered.truncated;
    ordered.set(u.key, rendered.text);
  }
  return { body: sectionsBody(marker, ordered), truncated };
}

/** What a pull request's preview is at: the preview workflow's section of the comment. */
export interface PreviewStatus {
  status: 'deploying' | 'deployed' | 'failed' | 'removed';
  url?: string | undefined;
  commit?: string | undefined;
  runUrl?: string | undefined;
  /** Service => image the preview runs. */
  images?: Record<string, string> | undefined;
}

export function previewMarkdown(p: PreviewStatus): string {
  const lines = ['### Preview'];
  const url = p.url ? `[${p.url}](${p.url})` : 'its URL';
  const what = {
    deploying: `Deploying to ${url} …`,
    deployed: `**${url}** (the smoke flow passed against it)`,
    failed: `The preview's last run failed (${url}): see the workflow run. A preview of a closed pull request is removed by preview-sweep.yml at the latest the next day.`,
    removed: 'Removed: the pull request is closed.',
  }[p.status];
  lines.push('', what);
  if (p.status === 'deployed' && p.url) {
    lines.push(
      '',
      `Each service under its usual path below it, e.g. \`${p.url}/products\`, \`${p.url}/customer/openapi.json\`; its own databases and queues on staging's, torn down when the pull request closes.`,
    );
  }
  const images = Object.entries(p.images ?? {});
  if (images.length > 0 && p.status !== 'removed') {
    lines.push(
      '',
      '<details><summary>Images</summary>',
      '',
      ...images.map(([s, i]) => `- ${s}: \`${i}\``),
      '',
      '</details>',
    );
  }
  const footer = [p.commit && `for \`${p.commit.slice(0, 7)}\``, p.runUrl && `[workflow run](${p.runUrl})`].filter(
    Boolean,
  );
  if (footer.length > 0) lines.push('', `<sub>Updated ${footer.join(' by ')}</sub>`);
  return lines.join('\n');
}

export interface GitHubTarget {
  apiUrl: string;
  token: string;
  repository: string;
  pullRequest: number;
  fetch?: typeof fetch;
}

export interface Comment {
  id: number;
  body?: string;
  user?: { login?: string } | null;
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
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`GitHub API ${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/**
 * The comment carrying `marker`, written by `author` (undefined: anybody), looking through every
 * page of the pull request's comments.
 */
export async function findComment(t: GitHubTarget, marker: string, author?: string): Promise<Comment | undefined> {
  const tag = markerTag(marker);
  for (let page = 1; ; page++) {
    const res = await github(
      t,
      'GET',
      `/repos/${t.repository}/issues/${t.pullRequest}/comments?per_page=100&page=${page}`,
    );
    const comments = (await res.json()) as Comment[];
    const found = comments.find((c) => c.body?.startsWith(tag) && (!author || c.user?.login === author));
    if (found) return found;
    if (comments.length < 100) return undefined;
  }
}

/** Edits comment `id`, or creates the pull request's comment when there is none. */
export async function writeComment(
  t: GitHubTarget,
  id: number | undefined,
  body: string,
): Promise<{ id: number; action: 'created' | 'updated' }> {
  if (id !== undefined) {
    await github(t, 'PATCH', `/repos/${t.repository}/issues/comments/${id}`, { body });
    return { id, action: 'updated' };
  }
  const res = await github(t, 'POST', `/repos/${t.repository}/issues/${t.pullRequest}/comments`, { body });
  return { id: ((await res.json()) as Comment).id, action: 'created' };
}

/** The step summary gets the whole plan (up to the 1 MiB a step's summary may have). */
export function stepSummary(o: CommentInput): string {
  const clean = plainText(o.plan);
  const fence = fenceFor(clean);
  const changes = changeLines(clean);
  const build = (text: string, truncated: boolean) =>
    [
      `### ${o.title}`,
      '',
      `**${summarizePlan(o.plan, o.exitCode).line}**`,
      ...(changes.length > 0 ? ['', ...changes] : []),
      '',
      `${fence}terraform`,
      text,
      fence,
      ...(truncated ? ['', '(cut at 1 MB: the plan is longer than a step summary may be)'] : []),
      '',
    ].join('\n');
  const { text, truncated } = truncateBytes(clean, SUMMARY_LIMIT_BYTES - Buffer.byteLength(build('', true)));
  return build(text, truncated);
}

/**
 * The part of a plan a reviewer approves: what Terraform will do (from "Terraform will perform the
 * following actions:", "Changes to Outputs:" or "No changes.") to the end, without colours or
 * trailing spaces. What comes before (refresh lines, "Objects have changed outside of Terraform")
 * is left out: it can differ between two plans of the same change. Sensitive values are already
 * masked in this text ("(sensitive value)", "(write-only attribute)").
 */
export function reviewedPart(plan: string): string {
  const text = plainText(plan)
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
  const starts = ['Terraform will perform the following actions:', 'Changes to Outputs:', 'No changes.']
    .map((marker) => text.indexOf(marker))
    .filter((i) => i >= 0);
  if (starts.length === 0) throw new Error('not the text of a terraform plan: no actions, outputs or "No changes."');
  return text.slice(Math.min(...starts));
}

/**
 * SHA-256 of reviewedPart: the deploy workflow's plan job publishes it with the plan it shows for
 * review, and the apply job plans again and applies only if its plan has the same digest. So the
 * binary plan (which holds the prior state) never leaves the job that made it.
 */
export function planDigest(plan: string): string {
  return createHash('sha256').update(reviewedPart(plan)).digest('hex');
}
