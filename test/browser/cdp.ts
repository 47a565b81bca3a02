/**
 * Headless Chromium driven over the DevTools protocol with Node's own WebSocket: a page to load,
 * script to evaluate in it, and what it logged and requested. No browser download: the Chromium
 * of the machine's packages (CHROMIUM_BIN, else chromium-headless-shell or chromium on PATH).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

export interface PageEvents {
  /** Console messages, browser log entries (CSP violations land here) and uncaught exceptions. */
  logs: string[];
  /** Every URL the page asked for. */
  requests: string[];
}

function chromiumBinary(): string {
  const candidates = [process.env.CHROMIUM_BIN, 'chromium-headless-shell', 'chromium'].filter(Boolean) as string[];
  for (const candidate of candidates) {
    try {
      execFileSync('sh', ['-c', `command -v "${candidate}"`], { stdio: 'ignore' });
      return candidate;
    } catch {}
  }
  throw new Error('no headless Chromium: apt-get install chromium-headless-shell (or set CHROMIUM_BIN)');
}

export class Browser {
  readonly #process: ChildProcess;
  readonly #ws: WebSocket;
  #id = 0;
  readonly #pending = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();
  readonly events: PageEvents = { logs: [], requests: [] };

  private constructor(process: ChildProcess, ws: WebSocket) {
    this.#process = process;
    this.#ws = ws;
    ws.addEventListener('message', (m) => this.#receive(JSON.parse(String(m.data))));
  }

  /** Starts Chromium; every host but 127.0.0.1 resolves to nothing, so any outside request fails and is seen. */
  static async launch(): Promise<Browser> {
    const child = spawn(
      chromiumBinary(),
      [
        '--no-sandbox',
        '--disable-gpu',
        '--remote-debugging-port=0',
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], detached: true }, // its own process group: the wrapper script's children end with it
    );
    const endpoint = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr?.on('data', (d) => {
        err += d;
        const match = err.match(/DevTools listening on (ws:\/\/\S+)/);
        if (match) resolve(match[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`Chromium exited with ${code}: ${err}`)));
    });
    const targets = (await (
      await fetch(`${endpoint.replace(/^ws/, 'http').replace(/\/devtools.*$/, '')}/json`)
    ).json()) as Array<{
      type: string;
      webSocketDebuggerUrl: string;
    }>;
    const page = targets.find((t) => t.type === 'page');
    if (!page) throw new Error('Chromium opened no page');
    const ws = new WebSocket(page.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve, { once: true });
      ws.addEventListener('error', reject, { once: true });
    });
    const browser = new Browser(child, ws);
    for (const domain of ['Log', 'Runtime', 'Network', 'Page']) await browser.send(`${domain}.enable`);
    return browser;
  }

  send(method: string, params: object = {}): Promise<unknown> {
    const id = ++this.#id;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (m) => (m.error ? reject(new Error(JSON.stringify(m.error))) : resolve(m.result)));
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  // biome-ignore lint/suspicious/noExplicitAny: the protocol's events, read as JSON
  #receive(m: { id?: number; method?: string; params?: any }) {
    if (m.id !== undefined) {
      this.#pending.get(m.id)?.(m as { result?: unknown });
      this.#pending.delete(m.id);
      return;
    }
    const p = m.params ?? {};
    if (m.method === 'Log.entryAdded') this.events.logs.push(`${p.entry?.level}: ${p.entry?.text}`);
    if (m.method === 'Runtime.consoleAPICalled') {
      this.events.logs.push(
        `console.${p.type}: ${(p.args as Array<{ value?: unknown }>).map((a) => a.value).join(' ')}`,
      );
    }
    if (m.method === 'Runtime.exceptionThrown') this.events.logs.push(`exception: ${p.exceptionDetails?.text}`);
    if (m.method === 'Network.requestWillBeSent') this.events.requests.push(p.request?.url);
  }

  /** Loads `url` and waits until `ready` (an expression) is true in it. */
  async open(url: string, ready: string, timeoutMs = 20_000): Promise<void> {
    this.events.logs = [];
    this.events.requests = [];
    await this.send('Page.navigate', { url });
    await this.waitFor(ready, timeoutMs);
  }

  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true })) as {
      result: { value: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
    return r.result.value;
  }

  async waitFor(expression: string, timeoutMs = 20_000): Promise<void> {
    const started = Date.now();
    while (!(await this.evaluate<boolean>(`Boolean(${expression})`).catch(() => false))) {
      if (Date.now() - started > timeoutMs) {
        const seen = [...this.events.logs.slice(-10), ...this.events.requests.slice(-10).map((u) => `request: ${u}`)];
        throw new Error(`not true within ${timeoutMs} ms: ${expression}\n${seen.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(): Promise<void> {
    this.#ws.close();
    const exited = new Promise((r) => this.#process.once('exit', r));
    if (this.#process.pid) process.kill(-this.#process.pid, 'SIGTERM');
    await exited;
  }
}
