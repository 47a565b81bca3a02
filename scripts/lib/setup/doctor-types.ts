/** A doctor line: ok, warn (works, but read it) or FIX (must be fixed; doctor exits 1). */
export interface Line {
  mark: 'ok' | 'warn' | 'FIX';
  text: string;
}
