import type * as z from 'zod';

/**
 * What a bad setting is told: the variable, the rule it breaks in words, and the value it was
 * given (`PORT must be a whole number from 0 to 65535 (got "abc")`), never zod's own phrasing
 * ("expected number, received NaN") and never the value of a secret.
 */

/** Settings whose values are never repeated back: keys, passwords, the secret that holds them. */
const SECRET_NAME = /(SECRET|PASSWORD|CREDENTIAL)S?$/i;
/** user:password@ inside connection strings. */
const URL_CREDENTIALS = /(\/\/)[^/@\s]+@/g;
/** Longer values are cut: the start is what tells which value it was. */
const SHOWN_CHARS = 80;

/** How a setting's value appears in a message. */
export function shownValue(name: string, value: string): string {
  if (SECRET_NAME.test(name)) return `${[...value].length} characters, not shown`;
  const scrubbed = value.replace(URL_CREDENTIALS, '$1***@');
  const cut = [...scrubbed].length > SHOWN_CHARS ? `${[...scrubbed].slice(0, SHOWN_CHARS).join('')}...` : scrubbed;
  return JSON.stringify(cut);
}

/** How to make up a value for a setting that has no default, when it is missing. */
const REQUIRED_HINTS: Record<string, string> = {
  JWT_SECRET: 'a random key of at least 32 characters, e.g. JWT_SECRET=$(openssl rand -base64 32)',
};

const plural = (n: number | bigint, word: string) => `${n} ${word}${n === 1 || n === 1n ? '' : 's'}`;

/**
 * zod's default messages in the words of settings. Only for issues without a message of the
 * schema's own (`int()`'s range, a URL's scheme): zod gives those precedence over this map.
 */
export const settingsErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'number' || issue.expected === 'int' ? 'must be a number' : `must be ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'string') return `must be at least ${plural(issue.minimum, 'character')}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must list at least ${issue.minimum}`;
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${plural(issue.maximum, 'character')}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must list at most ${issue.maximum}`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    case 'invalid_format':
      return issue.format === 'regex' ? `must match ${issue.pattern}` : `must be a valid ${issue.format}`;
    default:
      return undefined;
  }
};

/** One line per bad setting: the first rule each one breaks, with the value it was given. */
export function settingsProblems(issues: readonly z.core.$ZodIssue[], given: Record<string, string>): string[] {
  const byName = new Map<string, string>();
  for (const issue of issues) {
    if (issue.path.length === 0) {
      byName.set(`(${byName.size})`, issue.message); // a rule across settings names them itself
      continue;
    }
    const name = String(issue.path[0]);
    if (byName.has(name)) continue;
    const value = given[name];
    if (value === undefined) {
      const hint = REQUIRED_HINTS[name];
      byName.set(name, `${name} is required${hint ? `: ${hint}` : ''}`);
    } else {
      byName.set(name, `${name} ${issue.message} (got ${shownValue(name, value)})`);
    }
  }
  return [...byName.values()];
}
