/**
 * An OSC sender for the tests and the bench, as a controller on the user's machine would be: it
 * writes OSC 1.0 messages itself (independently of app/control/osc.ts, whose decoder they check)
 * and sends them over a real UDP socket to 127.0.0.1. Also finds a free UDP port for a host to bind.
 */
import dgram from 'node:dgram';

/** An argument to send: a JS number goes as float32 unless `int` is set; strings and booleans as s, T/F. */
export type SendArg = number | string | boolean | { int: number } | { double: number };

function pad(bytes: number[]): number[] {
  while (bytes.length % 4 !== 0) bytes.push(0);
  return bytes;
}

function oscString(text: string): number[] {
  return pad([...Buffer.from(text, 'ascii'), 0]);
}

/** The bytes of one OSC message with `args`. */
export function oscMessage(address: string, ...args: SendArg[]): Buffer {
  let tags = ',';
  const data: number[] = [];
  for (const arg of args) {
    const b = Buffer.alloc(8);
    if (typeof arg === 'boolean') tags += arg ? 'T' : 'F';
    else if (typeof arg === 'string') {
      tags += 's';
      data.push(...oscString(arg));
    } else if (typeof arg === 'number') {
      tags += 'f';
      b.writeFloatBE(arg);
      data.push(...b.subarray(0, 4));
    } else if ('int' in arg) {
      tags += 'i';
      b.writeInt32BE(arg.int);
      data.push(...b.subarray(0, 4));
    } else {
      tags += 'd';
      b.writeDoubleBE(arg.double);
      data.push(...b);
    }
  }
  return Buffer.from([...oscString(address), ...oscString(tags), ...data]);
}

/** A `#bundle` (time tag "immediately") of `elements`. */
export function oscBundle(...elements: Buffer[]): Buffer {
  const parts: number[] = [...oscString('#bundle'), 0, 0, 0, 0, 0, 0, 0, 1];
  for (const element of elements) {
    const size = Buffer.alloc(4);
    size.writeInt32BE(element.length);
    parts.push(...size, ...element);
  }
  return Buffer.from(parts);
}

/** A UDP socket that sends datagrams to `port` on 127.0.0.1. */
export interface OscSender {
  send(packet: Uint8Array): Promise<void>;
  close(): void;
}

/** Open a sender to 127.0.0.1:`port`. */
export function oscSender(port: number): OscSender {
  const socket = dgram.createSocket('udp4');
  return {
    send: (packet) => new Promise((resolve, reject) => socket.send(packet, port, '127.0.0.1', (error) => (error ? reject(error) : resolve()))),
    close: () => socket.close(),
  };
}

/** A UDP port on 127.0.0.1 that was free a moment ago (the system picks it), in the unprivileged range. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
