/**
 * Reading and changing the few top-level values setup owns in a .tfvars or .tfbackend file
 * (`key = "string"`, `key = ["a", "b"]`), leaving every other line, comment and value as it is.
 * Not an HCL parser: the files are the repository's own, and a value setup cannot read is
 * reported, never guessed.
 */

const assignment = (key: string) => new RegExp(`^(\\s*${key}\\s*=\\s*)(.*)$`, 'm');

/** A top-level `key = "value"`, or undefined. */
export function readString(text: string, key: string): string | undefined {
  return text.match(new RegExp(`^\\s*${key}\\s*=\\s*"([^"]*)"`, 'm'))?.[1];
}

/** Where a `key = [ ... ]` list starts and ends (it may span lines), or undefined. */
function listSpan(text: string, key: string): { start: number; end: number; body: string } | undefined {
  const m = text.match(new RegExp(`^[ \\t]*${key}[ \\t]*=[ \\t]*\\[`, 'm'));
  if (!m || m.index === undefined) return undefined;
  const open = m.index + m[0].length;
  const close = text.indexOf(']', open);
  if (close < 0) return undefined;
  return { start: m.index, end: close + 1, body: text.slice(open, close) };
}

/** A top-level list of strings; undefined when absent. Comments inside the list are ignored. */
export function readList(text: string, key: string): string[] | undefined {
  const span = listSpan(text, key);
  if (!span) return undefined;
  const body = span.body.replace(/#.*$/gm, '').replace(/\/\/.*$/gm, '');
  return [...body.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? '');
}

const quote = (value: string) => JSON.stringify(value);

/**
 * Sets `key = "value"`: replaces the existing assignment (keeping a comment after it), or adds
 * it before the line `before` names (a key), else at the top after the leading comments.
 */
export function setString(text: string, key: string, value: string, before?: string): string {
  const existing = text.match(assignment(key));
  if (existing) {
    return text.replace(assignment(key), (_all, head: string, rest: string) => {
      const comment = rest.match(/^"[^"]*"(\s*#.*)$/)?.[1] ?? '';
      return `${head}${quote(value)}${comment}`;
    });
  }
  return insertLine(text, `${key} = ${quote(value)}`, before);
}

/** Sets `key = ["a", "b"]` on one line, replacing the existing list wherever it was. */
export function setList(text: string, key: string, values: string[]): string {
  const line = `${key} = [${values.map(quote).join(', ')}]`;
  const span = listSpan(text, key);
  if (span) return text.slice(0, span.start) + line + text.slice(span.end);
  return `${text.replace(/\n*$/, '\n')}${line}\n`;
}

function insertLine(text: string, line: string, before?: string): string {
  const lines = text.split('\n');
  let at = before ? lines.findIndex((l) => assignment(before).test(l)) : -1;
  if (at < 0) {
    at = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    if (at < 0) at = lines.length;
  }
  lines.splice(at, 0, line);
  return lines.join('\n');
}
