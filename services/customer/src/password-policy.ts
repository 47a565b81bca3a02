import { COMMON_PASSWORDS } from './common-passwords.ts';

/**
 * What a new password must be (NIST SP 800-63B's advice: length and a block list, no composition
 * rules): at least 8 characters that are not all blank, not one of the most common passwords
 * (also with digits or punctuation tacked on, as in `sunshine2024!`), not a few characters
 * repeated, and not the account's own email address (or its part before the @).
 */
export const MIN_PASSWORD_LENGTH = 8;

let common: Set<string> | undefined;
/** Built on first use: 18k strings are a megabyte a service that never signs anyone up need not hold. */
const isCommon = (candidate: string) => {
  common ??= new Set(COMMON_PASSWORDS.split('\n'));
  return common.has(candidate);
};

/** Why `password` will not do for the account `email`, or undefined when it will. */
export function passwordProblem(password: string, email: string): string | undefined {
  if (password.trim().length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  const lower = password.toLowerCase();
  const stem = lower.replace(/[\d\W_]+$/u, '');
  if (isCommon(lower) || isCommon(stem)) {
    return 'is one of the most common passwords; choose another';
  }
  if (new Set(lower).size < 4) return 'repeats too few different characters; choose another';
  if (lower === email.toLowerCase() || lower === email.toLowerCase().split('@')[0]) {
    return 'must not be your email address';
  }
  return undefined;
}
