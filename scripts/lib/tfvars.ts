/**
 * Reads the Terraform values the cost tables are computed from: *.tfvars files and the defaults
 * of variables.tf. A parser for the subset of HCL those files use (literal strings, numbers,
 * booleans, null, lists, objects, # and // comments), not for expressions: a value it cannot read
 * is an error naming the file and the line, never a silent guess.
 */

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

export class TfvarsError extends Error {
  override name = 'TfvarsError';
}

class Reader {
  pos = 0;
  readonly text: string;
  readonly file: string;
  constructor(text: string, file: string) {
    this.text = text;
    this.file = file;
  }

  fail(what: string): never {
    const line = this.text.slice(0, this.pos).split('\n').length;
    throw new TfvarsError(`${this.file}:${line}: ${what}`);
  }

  /** Skips blanks, newlines and comments; with `newlines` false, stops at a newline. */
  skip(newlines = true): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) this.pos++;
      else if (c === '#' || (c === '/' && this.text[this.pos + 1] === '/')) {
        while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos++;
      } else if (c === '/' && this.text[this.pos + 1] === '*') {
        const end = this.text.indexOf('*/', this.pos + 2);
        this.pos = end < 0 ? this.text.length : end + 2;
      } else return;
    }
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  key(): string {
    this.skip();
    if (this.peek() === '"') return this.string();
    const m = /^[A-Za-z_][\w-]*/.exec(this.text.slice(this.pos));
    if (!m) this.fail('a name expected');
    this.pos += m[0].length;
    return m[0];
  }

  string(): string {
    let out = '';
    this.pos++; // opening quote
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      if (c === '"') return out;
      if (c === '$' && this.text[this.pos] === '{') this.fail('an interpolation: only literal values can be read');
      if (c === '\\') {
        const e = this.text[this.pos++];
        out += e === 'n' ? '\n' : e === 't' ? '\t' : (e ?? '');
      } else out += c;
    }
  }

  value(): Value {
    this.skip();
    const c = this.peek();
    if (c === '"') return this.string();
    if (c === '[') {
      this.pos++;
      const items: Value[] = [];
      for (;;) {
        this.skip();
        if (this.peek() === ']') {
          this.pos++;
          return items;
        }
        items.push(this.value());
        this.skip();
        if (this.peek() === ',') this.pos++;
        else if (this.peek() !== ']') this.fail('"," or "]" expected');
      }
    }
    if (c === '{') {
      this.pos++;
      const object: { [key: string]: Value } = {};
      for (;;) {
        this.skip();
        if (this.peek() === '}') {
          this.pos++;
          return object;
        }
        const k = this.key();
        this.skip();
        if (this.peek() !== '=' && this.peek() !== ':') this.fail(`"=" expected after ${k}`);
        this.pos++;
        object[k] = this.value();
        this.skip(false);
        if (this.peek() === ',') this.pos++;
      }
    }
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)(?![\w.(])/.exec(this.text.slice(this.pos));
    if (!m) this.fail('a literal value expected (string, number, bool, null, list, object)');
    this.pos += m[0].length;
    if (m[0] === 'true') return true;
    if (m[0] === 'false') return false;
    if (m[0] === 'null') return null;
    return Number(m[0]);
  }
}

/** name = value pairs of a .tfvars file. */
export function parseTfvars(text: string, file = 'tfvars'): Record<string, Value> {
  const r = new Reader(text, file);
  const out: Record<string, Value> = {};
  for (;;) {
    r.skip();
    if (r.peek() === undefined) return out;
    const name = r.key();
    r.skip(false);
    if (r.peek() !== '=') r.fail(`"=" expected after ${name}`);
    r.pos++;
    out[name] = r.value();
  }
}

/** The default of every `variable "x" { default = ... }` of a variables.tf (variables without one are left out). */
export function variableDefaults(text: string, file = 'variables.tf'): Record<string, Value> {
  const out: Record<string, Value> = {};
  const re = /^variable "([^"]+)" \{/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // the block's own attributes are indented by two spaces
    const start = m.index + m[0].length;
    const next = text.slice(start).search(/^}/m);
    const body = text.slice(start, next < 0 ? undefined : start + next);
    const def = /^ {2}default\s*=/m.exec(body);
    if (!def) continue;
    const r = new Reader(text, file);
    r.pos = start + def.index + def[0].length;
    out[m[1] as string] = r.value();
  }
  return out;
}
