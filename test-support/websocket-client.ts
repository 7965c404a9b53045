/**
 * A WebSocket client for Node (20 has none without a flag) over the browser host's own frame code
 * (main/web/websocket.ts, masking as a client must), speaking the native socket's frames
 * (app/contract/native-wire.ts): the Node tests and the bench drive the browser host's native
 * path with it as the page's worker does, and send it what no page would (bad frames, text).
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { FrameReader, encodeFrame, OPCODE } from '../main/web/websocket';
import { decodeFromHost, encodeNativeMessage } from '../app/contract/native-wire';
import type { FromNative, NativeRequest, NativeAnswer } from '../app/contract/native';
import type { NativeEndpoint } from '../app/runtime/native-runner';

/** An open client socket. */
export interface TestSocket {
  /** The HTTP status of the handshake's answer (101 when it was accepted). */
  status: number;
  /** The refusal's body when not accepted. */
  body: string;
  /** Send one binary (or, to provoke the host, text) message. */
  sendRaw(data: Uint8Array, opcode?: number): void;
  /** The next message from the host, decoded. */
  next(): Promise<FromNative>;
  /** Resolves with the close code and reason when the connection ends. */
  closed: Promise<{ code: number; reason: string }>;
  /** Send a request with the next id and wait for its answer (failures reject with the host's name and message). */
  request<R extends NativeRequest>(request: R): Promise<NativeAnswer<R['type']>>;
  /** The socket as the page's client code sees a carrier (app/runtime/native-runner.ts); messages go to it once it listens. */
  endpoint: NativeEndpoint;
  close(): void;
}

/** Open `path` (with its query) on the host at `port`, sending `headers` with the handshake. */
export function openTestSocket(port: number, path: string, headers: Record<string, string>): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const key = randomBytes(16).toString('base64');
    const lines = [`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    let handshake = Buffer.alloc(0);
    let upgraded = false;
    const reader = new FrameReader(false, 1 << 30);
    const inbox: FromNative[] = [];
    const takers: ((m: FromNative) => void)[] = [];
    const waiting = new Map<number, { resolve(m: FromNative): void; reject(e: Error): void }>();
    let nextId = 1;
    let endpointListener: ((message: FromNative) => void) | null = null;
    const write = (message: Parameters<typeof encodeNativeMessage>[0]) => {
      for (const part of encodeFrame(OPCODE.binary, encodeNativeMessage(message), true)) socket.write(part);
    };
    let closeInfo: { code: number; reason: string } | null = null;
    let onClosed!: (info: { code: number; reason: string }) => void;
    const closed = new Promise<{ code: number; reason: string }>((r) => (onClosed = r));
    const deliver = (message: FromNative) => {
      const w = 'id' in message && message.id > 0 ? waiting.get(message.id) : undefined;
      if (w) {
        waiting.delete((message as { id: number }).id);
        if (message.type === 'failed') w.reject(Object.assign(new Error(message.message), { name: message.name }));
        else w.resolve(message);
      } else if (endpointListener) endpointListener(message);
      else if (takers.length) takers.shift()!(message);
      else inbox.push(message);
    };
    const api: TestSocket = {
      status: 0,
      body: '',
      sendRaw: (data, opcode = OPCODE.binary) => {
        for (const part of encodeFrame(opcode, [data], true)) socket.write(part);
      },
      next: () => (inbox.length ? Promise.resolve(inbox.shift()!) : new Promise((r) => takers.push(r))),
      closed,
      request: (request) => {
        const id = nextId++;
        const message = { ...request, id } as Parameters<typeof encodeNativeMessage>[0];
        return new Promise((res, rej) => {
          waiting.set(id, { resolve: (m) => res(m as never), reject: rej });
          write(message);
        });
      },
      endpoint: {
        send: write,
        onMessage: (listener) => (endpointListener = listener),
      },
      close: () => {
        for (const part of encodeFrame(OPCODE.close, [Buffer.from([0x03, 0xe8])], true)) socket.write(part);
      },
    };
    const finish = (info: { code: number; reason: string }) => {
      closeInfo ??= info;
      for (const w of waiting.values()) w.reject(new Error(`socket closed: ${closeInfo.code} ${closeInfo.reason}`));
      waiting.clear();
      onClosed(closeInfo);
    };
    const frames = (chunk: Buffer) => {
      for (const event of reader.push(chunk)) {
        if (event.kind === 'error') throw new Error(`the host broke the protocol: ${event.reason}`);
        if (event.opcode === OPCODE.close) {
          closeInfo = { code: event.data.length >= 2 ? event.data.readUInt16BE(0) : 1005, reason: event.data.subarray(2).toString('utf8') };
          socket.end();
        } else if (event.opcode === OPCODE.binary) deliver(decodeFromHost(event.data));
      }
    };
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) return frames(chunk);
      if (api.status !== 0) {
        api.body += chunk.toString('utf8');
        return;
      }
      handshake = Buffer.concat([handshake, chunk]);
      const end = handshake.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = handshake.subarray(0, end).toString('latin1');
      api.status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0);
      upgraded = api.status === 101;
      const rest = handshake.subarray(end + 4);
      if (!upgraded) {
        api.body = rest.toString('utf8');
        socket.on('end', () => resolve(api));
        return;
      }
      resolve(api);
      if (rest.length) frames(rest);
    });
    socket.on('close', () => finish({ code: 1006, reason: 'connection lost' }));
    socket.on('error', reject);
  });
}
