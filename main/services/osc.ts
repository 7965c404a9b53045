/**
 * OSC over UDP for both hosts: one `dgram` socket bound to 127.0.0.1 on the port the page asks for,
 * each datagram decoded by app/control/osc.ts and handed to the host's listeners (Electron sends
 * it to the window, the browser host streams it). Malformed datagrams are counted and dropped; a
 * port that cannot be bound is reported in the status, never thrown at the page. The last port
 * that worked is kept in the data folder's `live-settings.json`, the host's settings for live control.
 */
import dgram from 'node:dgram';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { decodeOscPacket, OscDecodeError } from '../../app/control/osc';
import { DEFAULT_OSC_PORT, oscPortSchema, type OscDelivery, type OscStatus } from '../../app/contract/live';
import { writeFileAtomic } from './atomic';

/** The settings file, in the user data folder. */
export const LIVE_SETTINGS_FILE = 'live-settings.json';

/** Options of {@link OscReceiver}. */
export interface OscReceiverOptions {
  /** The user data folder its settings live in. */
  dataDir: string;
  /** The address bound; loopback, so no other machine can drive the studio. */
  address?: string;
}

/** The OSC socket of one host. */
export class OscReceiver {
  private socket: dgram.Socket | null = null;
  private port = DEFAULT_OSC_PORT;
  private packets = 0;
  private malformed = 0;
  private error: string | null = null;
  private readonly listeners = new Set<(delivery: OscDelivery) => void>();
  private settingsRead: Promise<void> | null = null;

  constructor(private readonly options: OscReceiverOptions) {}

  private get settingsPath(): string {
    return path.join(this.options.dataDir, LIVE_SETTINGS_FILE);
  }

  /** Read the saved port once (a missing file leaves the default; a damaged one says so in the status). */
  private readSettings(): Promise<void> {
    this.settingsRead ??= (async () => {
      let text: string;
      try {
        text = await fs.readFile(this.settingsPath, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.error = `the live settings (${this.settingsPath}) could not be read: ${(error as Error).message}`;
        return;
      }
      let saved: unknown;
      try {
        saved = (JSON.parse(text) as { oscPort?: unknown }).oscPort;
      } catch (error) {
        this.error = `the live settings (${this.settingsPath}) are not JSON (${(error as Error).message}): choose the OSC port again`;
        return;
      }
      const parsed = oscPortSchema.safeParse(saved);
      if (parsed.success && this.socket === null) this.port = parsed.data;
    })();
    return this.settingsRead;
  }

  /** The socket's state and counters. */
  async status(): Promise<OscStatus> {
    await this.readSettings();
    return { port: this.port, listening: this.socket !== null, packets: this.packets, malformed: this.malformed, error: this.error };
  }

  /** Be given every well-formed datagram's messages; returns the unsubscriber. */
  onMessages(listener: (delivery: OscDelivery) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Listen on `port` (closing the socket on any other port first); null stops listening. */
  async listen(port: number | null): Promise<OscStatus> {
    await this.readSettings();
    if (port !== null && this.socket !== null && port === this.port) return this.status();
    await this.stop();
    if (port === null) {
      this.error = null;
      return this.status();
    }
    this.port = port;
    try {
      this.socket = await this.bind(port);
      this.error = null;
      await fs.mkdir(this.options.dataDir, { recursive: true });
      await writeFileAtomic(this.settingsPath, `${JSON.stringify({ oscPort: port })}\n`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      this.error =
        code === 'EADDRINUSE'
          ? `UDP port ${port} is already in use by another program: choose another OSC port`
          : `OSC could not listen on UDP port ${port} (${(error as Error).message}): choose another port`;
    }
    return this.status();
  }

  private bind(port: number): Promise<dgram.Socket> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    socket.on('message', (bytes) => this.receive(bytes));
    return new Promise((resolve, reject) => {
      socket.once('error', (error) => {
        socket.close();
        reject(error);
      });
      socket.bind(port, this.options.address ?? '127.0.0.1', () => {
        socket.removeAllListeners('error');
        // An error after binding (rare on UDP) closes the socket and says so in the status.
        socket.on('error', (error) => {
          this.error = `the OSC socket failed (${error.message}): choose the port again`;
          void this.stop();
        });
        resolve(socket);
      });
    });
  }

  private receive(bytes: Buffer): void {
    this.packets += 1;
    let delivery: OscDelivery;
    try {
      delivery = { messages: decodeOscPacket(bytes) };
    } catch (error) {
      if (!(error instanceof OscDecodeError)) throw error;
      this.malformed += 1;
      return;
    }
    if (delivery.messages.length === 0) return;
    for (const listener of this.listeners) listener(delivery);
  }

  /** Close the socket (the counters and listeners stay). */
  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
