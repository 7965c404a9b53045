/**
 * The WebSocket protocol (RFC 6455), as much of it as the browser host's native channel needs:
 * Node 20 has no server-side WebSocket and the studio adds no dependency for one. Binary messages
 * only (a text message closes with 1003), no extensions (so no compression: frames are already
 * dense floats and pixels), fragmented messages reassembled, pings answered, a size limit per
 * message (1009). Clients must mask their frames and servers must not (RFC 6455 §5.1); the frame
 * reader checks whichever the side it serves expects, so the tests' and the bench's client
 * (test-support/websocket-client.ts) use the same code.
 */
import { createHash, randomFillSync } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type http from 'node:http';

/** RFC 6455 §1.3: appended to the client's key before hashing. */
const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Opcodes (RFC 6455 §5.2). */
export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Close codes used here (RFC 6455 §7.4.1). */
export const CLOSE = { normal: 1000, protocolError: 1002, unsupportedData: 1003, tooBig: 1009, serverError: 1011 } as const;

/** A frame's header and payload, for {@link encodeFrame}. */
export function encodeFrame(opcode: number, parts: readonly Uint8Array[], mask: boolean): Uint8Array[] {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const extra = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + extra + (mask ? 4 : 0));
  header[0] = 0x80 | opcode;
  header[1] = (mask ? 0x80 : 0) | (extra === 0 ? length : extra === 2 ? 126 : 127);
  if (extra === 2) header.writeUInt16BE(length, 2);
  if (extra === 8) header.writeBigUInt64BE(BigInt(length), 2);
  if (!mask) return [header, ...parts];
  const key = header.subarray(2 + extra);
  randomFillSync(key);
  const body = Buffer.concat(parts);
  for (let i = 0; i < body.length; i++) body[i]! ^= key[i & 3]!;
  return [header, body];
}

/** A whole message, or the reason the peer broke the protocol (and the code to close with). */
export type ReadEvent = { kind: 'message'; opcode: number; data: Buffer } | { kind: 'error'; code: number; reason: string };

/**
 * Reassembles frames from a byte stream into messages. `masked`: whether the peer must mask (a
 * server reading a client) or must not (a client reading a server).
 */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private fragments: Buffer[] = [];
  private fragmentOpcode = -1;
  private fragmentBytes = 0;

  constructor(
    private readonly masked: boolean,
    private readonly maxMessageBytes: number,
  ) {}

  /** Feed bytes; returns the messages (and at most one error, last) they complete. */
  push(chunk: Buffer): ReadEvent[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const events: ReadEvent[] = [];
    for (;;) {
      const event = this.next();
      if (!event) return events;
      events.push(event);
      if (event.kind === 'error') return events;
    }
  }

  /** The first `n` pending bytes, joined only as far as needed. */
  private peek(n: number): Buffer {
    const first = this.pending[0]!;
    return first.length >= n ? first : Buffer.concat(this.pending).subarray(0, n);
  }

  /** Remove and return the first `n` pending bytes (a large message is joined once, when whole). */
  private take(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const rest = all.subarray(n);
    this.pending = rest.length ? [rest] : [];
    this.pendingBytes = rest.length;
    return all.subarray(0, n);
  }

  private next(): ReadEvent | null {
    if (this.pendingBytes < 2) return null;
    const buf = this.peek(Math.min(14, this.pendingBytes));
    const fin = (buf[0]! & 0x80) !== 0;
    const opcode = buf[0]! & 0x0f;
    if (buf[0]! & 0x70) return { kind: 'error', code: CLOSE.protocolError, reason: 'reserved bits set (no extension was negotiated)' };
    const masked = (buf[1]! & 0x80) !== 0;
    if (masked !== this.masked) return { kind: 'error', code: CLOSE.protocolError, reason: this.masked ? 'client frames must be masked' : 'server frames must not be masked' };
    let length = buf[1]! & 0x7f;
    let at = 2;
    if (length === 126) {
      if (buf.length < 4) return null;
      length = buf.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (buf.length < 10) return null;
      const big = buf.readBigUInt64BE(2);
      if (big > BigInt(this.maxMessageBytes)) return { kind: 'error', code: CLOSE.tooBig, reason: `a frame of ${big} bytes is over the limit` };
      length = Number(big);
      at = 10;
    }
    const control = opcode >= 0x8;
    if (control && (!fin || length > 125)) return { kind: 'error', code: CLOSE.protocolError, reason: 'control frames must be whole and at most 125 bytes' };
    if (![0x0, 0x1, 0x2, 0x8, 0x9, 0xa].includes(opcode)) return { kind: 'error', code: CLOSE.protocolError, reason: `unknown opcode ${opcode}` };
    if (!control && this.fragmentBytes + length > this.maxMessageBytes) return { kind: 'error', code: CLOSE.tooBig, reason: `a message over ${this.maxMessageBytes} bytes` };
    const keyAt = at;
    if (masked) at += 4;
    if (this.pendingBytes < at + length) return null;
    const whole = this.take(at + length);
    const payload = Buffer.from(whole.subarray(at));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= whole[keyAt + (i & 3)]!;
    if (control) return { kind: 'message', opcode, data: payload };
    if (opcode === OPCODE.continuation) {
      if (this.fragmentOpcode < 0) return { kind: 'error', code: CLOSE.protocolError, reason: 'a continuation frame with no message to continue' };
    } else {
      if (this.fragmentOpcode >= 0) return { kind: 'error', code: CLOSE.protocolError, reason: 'a new message inside a fragmented one' };
      this.fragmentOpcode = opcode;
    }
    this.fragments.push(payload);
    this.fragmentBytes += payload.length;
    if (!fin) return this.next();
    const message: ReadEvent = { kind: 'message', opcode: this.fragmentOpcode, data: this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments) };
    this.fragments = [];
    this.fragmentOpcode = -1;
    this.fragmentBytes = 0;
    return message;
  }
}

/** The server's end of an accepted WebSocket. */
export interface WebSocketPeer {
  /** Send one binary message made of `parts` (written one after another, not joined). */
  send(parts: readonly Uint8Array[]): void;
  onMessage(listener: (data: Buffer) => void): void;
  /** Called once when the connection is gone, with the close code the peer or this side gave. */
  onClose(listener: (code: number, reason: string) => void): void;
  /** Close with `code` and a reason (at most 123 bytes of it are sent). */
  close(code: number, reason: string): void;
}

/**
 * Why `req` is not a WebSocket opening handshake this server can take, or null when it is. The
 * caller answers a refusal with plain HTTP (see {@link refuseUpgrade}).
 */
export function handshakeProblem(req: http.IncomingMessage): string | null {
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return 'not a WebSocket upgrade';
  if (req.method !== 'GET') return 'a WebSocket opens with GET';
  if (req.headers['sec-websocket-version'] !== '13') return 'only WebSocket version 13 is spoken here';
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || Buffer.from(key, 'base64').length !== 16) return 'Sec-WebSocket-Key must be 16 bytes in base64';
  return null;
}

/** Answer an upgrade request with a plain HTTP status and end the connection. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = Buffer.from(message);
  socket.end(`HTTP/1.1 ${status} ${statusText(status)}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${message}`);
}

function statusText(status: number): string {
  return ({ 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 421: 'Misdirected Request', 426: 'Upgrade Required', 503: 'Service Unavailable' } as Record<number, string>)[status] ?? 'Error';
}

/**
 * Complete the handshake of `req` (checked with {@link handshakeProblem}) on `socket` and return
 * the connection. `head` is what the HTTP parser read past the headers.
 */
export function acceptWebSocket(req: http.IncomingMessage, socket: Duplex, head: Buffer, maxMessageBytes: number): WebSocketPeer {
  const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}${ACCEPT_GUID}`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  (socket as Duplex & { setNoDelay?(on: boolean): void }).setNoDelay?.(true);
  const reader = new FrameReader(true, maxMessageBytes);
  const messageListeners: ((data: Buffer) => void)[] = [];
  const closeListeners: ((code: number, reason: string) => void)[] = [];
  let closed: { code: number; reason: string } | null = null;
  let closeSent = false;

  const write = (opcode: number, parts: readonly Uint8Array[]) => {
    if (socket.destroyed || closeSent) return;
    const frame = encodeFrame(opcode, parts, false);
    (socket as Duplex & { cork(): void; uncork(): void }).cork();
    for (const part of frame) socket.write(part);
    (socket as Duplex & { cork(): void; uncork(): void }).uncork();
  };
  const finish = (code: number, reason: string) => {
    if (closed) return;
    closed = { code, reason };
    for (const listener of closeListeners) listener(code, reason);
  };
  const close = (code: number, reason: string) => {
    const text = Buffer.from(reason).subarray(0, 123);
    const payload = Buffer.alloc(2 + text.length);
    payload.writeUInt16BE(code, 0);
    text.copy(payload, 2);
    write(OPCODE.close, [payload]);
    closeSent = true;
    socket.end();
    finish(code, reason);
  };

  const receive = (chunk: Buffer) => {
    for (const event of reader.push(chunk)) {
      if (event.kind === 'error') return close(event.code, event.reason);
      switch (event.opcode) {
        case OPCODE.binary:
          for (const listener of messageListeners) listener(event.data);
          break;
        case OPCODE.text:
          return close(CLOSE.unsupportedData, 'this socket carries binary messages only');
        case OPCODE.ping:
          write(OPCODE.pong, [event.data]);
          break;
        case OPCODE.close: {
          const code = event.data.length >= 2 ? event.data.readUInt16BE(0) : CLOSE.normal;
          return close(code, event.data.subarray(2).toString('utf8'));
        }
      }
    }
  };
  socket.on('data', receive);
  socket.on('close', () => finish(1006, 'the connection was lost'));
  socket.on('error', () => socket.destroy());
  if (head.length) queueMicrotask(() => receive(head));

  return {
    send: (parts) => write(OPCODE.binary, parts),
    onMessage: (listener) => messageListeners.push(listener),
    onClose: (listener) => (closed ? listener(closed.code, closed.reason) : closeListeners.push(listener)),
    close,
  };
}
