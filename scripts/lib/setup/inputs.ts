/**
 * The values setup needs, each from the first place that has it: its flag; what the fork
 * already has (the tfvars, the bootstrap's state: a second run keeps the first run's choices);
 * what can be detected (git remote, AWS profile, git email); a question on a terminal. Every
 * value is checked against Terraform's rules as soon as it is known. Without a terminal, a value
 * with no flag and nothing to take it from stops setup with exit 2 and the flag to pass, and
 * detected values are used only with --yes.
 */
import type { Detected } from './detect.ts';
import { SetupError } from './errors.ts';
import type { Asker } from './prompt.ts';
import { type RuleName, violation } from './rules.ts';

export interface Wanted {
  /** The flag that gives it, e.g. --region. */
  flag: string;
  /** What the flag takes, for the message, e.g. REGION. */
  metavar: string;
  question: string;
  rule: RuleName | ((value: string) => string | undefined);
  given?: string | undefined;
  /** What the fork already has: used as it is (a second run changes nothing). */
  existing?: Detected<string> | undefined;
  /** A guess: offered on a terminal, used without one only with --yes. */
  detected?: Detected<string> | undefined;
}

export interface Resolved {
  value: string;
  from: string;
}

const check = (w: Wanted, value: string) => (typeof w.rule === 'function' ? w.rule(value) : violation(w.rule, value));

export class Inputs {
  /** Flags a run without a terminal still needs (reported together). */
  readonly missing: string[] = [];
  /** Detected values a run without a terminal would use (with --yes). */
  readonly guesses: string[] = [];

  readonly #asker: Asker;
  readonly #yes: boolean;
  constructor(asker: Asker, yes: boolean) {
    this.#asker = asker;
    this.#yes = yes;
  }

  async resolve(w: Wanted): Promise<Resolved | undefined> {
    if (w.given !== undefined) {
      const problem = check(w, w.given);
      if (problem) throw new SetupError(`${w.flag}: ${problem}`, 2);
      return { value: w.given, from: w.flag };
    }
    const known = w.existing ?? w.detected;
    const knownProblem = known && check(w, known.value);
    if (this.#asker.interactive) {
      // on a terminal every value is asked, with what the fork has (or a guess) as the answer Enter gives
      const offer = knownProblem ? undefined : known;
      const question = knownProblem
        ? `${w.question} (${known?.from} has "${known?.value}", which is not valid)`
        : `${w.question}${offer ? ` (${offer.from})` : ''}`;
      const value = await this.#asker.ask(question, offer?.value, (v) => check(w, v));
      return { value, from: value === offer?.value ? offer.from : 'you' };
    }
    if (knownProblem) throw new SetupError(`${known.from}: ${knownProblem}; pass ${w.flag} ${w.metavar}`, 2);
    if (w.existing) return { value: w.existing.value, from: w.existing.from };
    if (w.detected) {
      if (!this.#yes) this.guesses.push(`${w.flag} ${w.detected.value} (${w.detected.from})`);
      return { value: w.detected.value, from: w.detected.from };
    }
    this.missing.push(`${w.flag} ${w.metavar}`);
    return undefined;
  }

  /** Stops (exit 2) when a run without a terminal lacks a value or has only guesses without --yes. */
  settle(): void {
    if (this.missing.length > 0) {
      throw new SetupError(
        `no terminal to ask: pass ${this.missing.join(', ')}${this.guesses.length ? ` (and --yes to accept ${this.guesses.join(', ')})` : ''}`,
        2,
      );
    }
    if (this.guesses.length > 0) {
      throw new SetupError(
        `no terminal to ask: pass --yes to accept the detected ${this.guesses.join(', ')}, or give them as flags`,
        2,
      );
    }
  }
}

/** Comma-separated list, trimmed, without empties or repeats (order kept). */
export const splitList = (value: string) => [
  ...new Set(
    value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ),
];

/** Derives the smoke flow's admin from the admin's address: you@x -> you+smoke@x. */
export function smokeAddress(admin: string): string {
  const at = admin.lastIndexOf('@');
  const local = admin.slice(0, at).replace(/\+.*$/, '');
  return `${local}+smoke${admin.slice(at)}`;
}
