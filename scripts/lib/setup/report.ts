/**
 * What setup and doctor print: one line per thing, a mark first (ok: already right; set: changed
 * now; todo: to be done by hand, with how; warn: works, but read this; FIX: must be fixed), so a
 * run reads top to bottom and a second run shows only "ok".
 */
export type Mark = 'ok' | 'set' | 'todo' | 'warn' | 'FIX';

export class Report {
  readonly counts: Record<Mark, number> = { ok: 0, set: 0, todo: 0, warn: 0, FIX: 0 };

  readonly #write: (text: string) => void;
  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  section(title: string): void {
    this.#write(`\n${title}\n`);
  }

  line(mark: Mark, text: string): void {
    this.counts[mark]++;
    const [first, ...rest] = text.split('\n');
    this.#write(`  ${mark.padEnd(5)} ${first}\n`);
    for (const more of rest) this.#write(`        ${more}\n`);
  }

  /** A progress note (no mark, not counted). */
  note(text: string): void {
    this.#write(`        ${text}\n`);
  }

  plain(text: string): void {
    this.#write(`${text}\n`);
  }
}
