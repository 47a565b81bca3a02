/**
 * Questions on a terminal: a value with its detected default (Enter keeps it), a yes/no, and a
 * secret read without echo. Without a terminal nothing is ever read from stdin (a CI job would
 * hang): the caller gets `interactive: false` and asks for flags instead.
 */
import { createInterface } from 'node:readline/promises';

export interface Asker {
  interactive: boolean;
  /** A value; re-asked until `check` returns no complaint. */
  ask(question: string, fallback: string | undefined, check: (v: string) => string | undefined): Promise<string>;
  confirm(question: string, fallback: boolean): Promise<boolean>;
  /** A secret, not echoed; empty when the user just presses Enter. */
  secret(question: string): Promise<string>;
}

export function terminalAsker(
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stdout,
): Asker {
  const line = async (question: string) => {
    const rl = createInterface({ input, output, terminal: true });
    try {
      return (await rl.question(question)).trim();
    } finally {
      rl.close();
    }
  };
  return {
    interactive: true,
    async ask(question, fallback, check) {
      for (;;) {
        const answer = (await line(`${question}${fallback ? ` [${fallback}]` : ''}: `)) || fallback || '';
        const problem = answer ? check(answer) : 'a value is needed';
        if (!problem) return answer;
        output.write(`  ${problem}\n`);
      }
    },
    async confirm(question, fallback) {
      for (;;) {
        const answer = (await line(`${question} [${fallback ? 'Y/n' : 'y/N'}]: `)).toLowerCase();
        if (answer === '') return fallback;
        if (answer === 'y' || answer === 'yes') return true;
        if (answer === 'n' || answer === 'no') return false;
      }
    },
    secret: (question) => readHidden(question, input, output),
  };
}

/** One line from the terminal in raw mode, echoing nothing; Ctrl-C ends the process (130). */
function readHidden(question: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve) => {
    output.write(question);
    let value = '';
    const wasRaw = input.isRaw;
    input.setRawMode?.(true);
    input.resume();
    const done = (result: string | undefined) => {
      input.off('data', onData);
      input.setRawMode?.(wasRaw);
      input.pause();
      output.write('\n');
      if (result === undefined) process.exit(130);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(value);
        if (ch === '\u0003') return done(undefined);
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}

/** No terminal: every question is an error the caller turns into "pass --flag". */
export const noTerminal: Asker = {
  interactive: false,
  ask: () => Promise.reject(new Error('no terminal')),
  confirm: () => Promise.reject(new Error('no terminal')),
  secret: () => Promise.reject(new Error('no terminal')),
};
