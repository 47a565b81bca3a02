import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { AppError } from './errors.ts';
import type { ServerEnv } from './http.ts';

/**
 * Reading a request body under a size limit and a deadline, only once the route knows it wants
 * it (after authentication). Whatever stops the read early (too large, too slow, the client gone)
 * leaves bytes on the connection that belong to no request, so the answer closes it; so does an
 * answer that never read a large or chunked body. A small body of declared length that was not
 * read (a 401, a 404, a 429) is drained after the answer and the connection kept: see
 * `mustCloseConnection`.
 */

export interface BodyLimits {
  maxBytes: number;
  /** From the moment the route starts reading; a client that trickles its body gets 408. */
  timeoutMs: number;
}

const BODY_STATE = 'bodyState';
/** Absent: not read. */
type BodyState = 'read' | 'stopped';

/** Unread bodies up to this size are drained after the answer; larger ones close the connection. */
const DRAINABLE_BYTES = 16 * 1024;

export const tooLarge = (maxBytes: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `request body exceeds ${maxBytes} bytes`);
const tooSlow = (timeoutMs: number) =>
  new AppError('REQUEST_TIMEOUT', `request body not received within ${Math.round(timeoutMs / 1000)} s`);
export const clientClosed = () => new AppError('CLIENT_CLOSED_REQUEST', 'the client closed the request');

/** Whether a body nothing read is too large, or of unknown length, to be drained after the answer. */
export function undrainable(headers: { get(name: string): string | null | undefined }): boolean {
  const length = headers.get('content-length');
  if (length !== null && length !== undefined) return Number(length) > DRAINABLE_BYTES;
  return Boolean(headers.get('transfer-encoding'));
}

/** True when the answer must end the connection: the rest of the body cannot be left to a drain. */
export function mustCloseConnection(c: Context): boolean {
  const state = c.get(BODY_STATE as never) as BodyState | undefined;
  if (state === 'read') return false;
  if (state === 'stopped') return true;
  return undrainable({ get: (name) => c.req.header(name) });
}

/** The whole body as text, or an AppError: 413 (too large), 408 (too slow), 499 (client gone). */
export async function readBodyText(c: Context, limits: BodyLimits): Promise<string> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > limits.maxBytes) {
    c.set(BODY_STATE as never, 'stopped' as never);
    throw tooLarge(limits.maxBytes);
  }
  const incoming = (c.env as Partial<ServerEnv> | undefined)?.incoming;
  try {
    const text = incoming ? await readIncoming(incoming, limits) : await readWebBody(c.req.raw, limits);
    c.set(BODY_STATE as never, 'read' as never);
    return text;
  } catch (err) {
    c.set(BODY_STATE as never, 'stopped' as never);
    throw err;
  }
}

/** Served by Node: straight from the socket's stream, without a WHATWG stream in between. */
function readIncoming(incoming: IncomingMessage, limits: BodyLimits): Promise<string> {
  if (incoming.readableEnded) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err?: AppError) => {
      clearTimeout(timer);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onGone);
      incoming.off('close', onClose);
      if (err) {
        incoming.pause();
        reject(err);
      } else resolve(Buffer.concat(chunks, size).toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) finish(tooLarge(limits.maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onGone = () => finish(clientClosed());
    const onClose = () => {
      if (!incoming.complete) finish(clientClosed());
    };
    const timer = setTimeout(() => finish(tooSlow(limits.timeoutMs)), limits.timeoutMs);
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('error', onGone);
    incoming.once('close', onClose);
  });
}

/** Called without a server (`app.request` in tests): the Request's own stream, same limits. */
async function readWebBody(request: Request, limits: BodyLimits): Promise<string> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const deadline = Date.now() + limits.timeoutMs;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
    });
    const next = await Promise.race([reader.read(), timeout]).finally(() => clearTimeout(timer));
    if (next === 'timeout') {
      void reader.cancel().catch(() => {});
      throw tooSlow(limits.timeoutMs);
    }
    if (next.done) break;
    size += next.value.byteLength;
    if (size > limits.maxBytes) {
      void reader.cancel().catch(() => {});
      throw tooLarge(limits.maxBytes);
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
