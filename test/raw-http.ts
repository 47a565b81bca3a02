import { Socket } from 'node:net';

/**
 * An HTTP/1.1 connection driven by hand: raw bytes out, answers read one at a time. For the abuse
 * tests, which must send what no well-behaved client sends (a trickled body, a wrong length) and
 * see exactly what comes back on the same connection.
 */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawConnection {
  socket: Socket;
  send(text: string): void;
  /** Resolves with whether the server closed the connection within `withinMs`. */
  isClosed(withinMs?: number): Promise<boolean>;
  /** The next complete answer; rejects when the connection closes first. */
  answer(): Promise<RawAnswer>;
  close(): void;
}

export async function rawConnection(port: number, host = '127.0.0.1'): Promise<RawConnection> {
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(port, host, resolve);
  });
  let buffer = '';
  let closed = false;
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  socket.on('data', (d) => {
    buffer += d.toString('latin1');
    wake();
  });
  socket.on('close', () => {
    closed = true;
    wake();
  });
  socket.on('error', () => {});
  const until = (ready: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => (ready() || closed ? resolve() : waiters.push(check));
      check();
    });
  const complete = () => {
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return false;
    const length = Number(/content-length: (\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
    return buffer.length >= end + 4 + length;
  };
  return {
    socket,
    send: (text) => void socket.write(text),
    async isClosed(withinMs = 1000) {
      await Promise.race([until(() => closed), new Promise((r) => setTimeout(r, withinMs))]);
      return closed;
    },
    async answer() {
      await until(complete);
      if (!complete()) throw new Error(`connection closed without an answer (${JSON.stringify(buffer.slice(0, 200))})`);
      const end = buffer.indexOf('\r\n\r\n');
      const head = buffer.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      const body = buffer.slice(end + 4, end + 4 + length);
      buffer = buffer.slice(end + 4 + length);
      return { status: Number(head[0]?.split(' ')[1]), headers, body };
    },
    close: () => socket.destroy(),
  };
}

/** A request's bytes: `POST` with a JSON body and its length, `GET` without a body. */
export const rawPost = (path: string, body: string, extraHeaders = '') =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`;
export const rawGet = (path: string, extraHeaders = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extraHeaders}\r\n`;
