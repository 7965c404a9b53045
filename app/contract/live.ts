/**
 * The live-control part of the contract: what the host says about its OSC socket, and the
 * messages it pushes to the page as datagrams arrive (the one host → page stream the studio has).
 * Electron sends them through the preload's typed bridge on {@link OSC_EVENT_CHANNEL}; the browser
 * host streams them on routes.ts's OSC events route. Both hosts and the page validate them here.
 */
import { z } from 'zod';
import { oscPortSchema } from '../control/live';

export { DEFAULT_OSC_PORT, oscPortSchema } from '../control/live';

/** What the host's OSC socket is doing. */
export const oscStatusSchema = z.object({
  /** The port listened on, else the one the host's settings keep (the last port that worked). */
  port: oscPortSchema,
  listening: z.boolean(),
  /** Datagrams received since the host started. */
  packets: z.number().int().nonnegative(),
  /** Datagrams dropped because they were not well-formed OSC (truncated, wrong type tags…). */
  malformed: z.number().int().nonnegative(),
  /** Why the socket is not listening (the port is taken, say), or null. */
  error: z.string().nullable(),
});

/** The host's OSC socket's state. */
export type OscStatus = z.infer<typeof oscStatusSchema>;

const oscArgSchema = z.discriminatedUnion('type', [
  z.object({ type: z.enum(['i', 'f', 'd']), value: z.number() }),
  z.object({ type: z.literal('s'), value: z.string().max(65_536) }),
  z.object({ type: z.enum(['T', 'F']), value: z.boolean() }),
]);

/** One datagram's messages, as the host forwards them (bundles already flattened). */
export const oscDeliverySchema = z.object({
  messages: z.array(z.object({ address: z.string().max(65_536), args: z.array(oscArgSchema).max(16_384) })).max(16_384),
});

/** A datagram's messages. */
export type OscDelivery = z.infer<typeof oscDeliverySchema>;

/** The IPC channel Electron's main process sends deliveries on (the preload passes them to the page). */
export const OSC_EVENT_CHANNEL = 'live:osc-messages';

/**
 * What Electron's preload exposes beside the contract's methods (as `window.latentStudioEvents`):
 * a listener for OSC deliveries; the returned function removes it.
 */
export interface HostEvents {
  onOsc(listener: (delivery: OscDelivery) => void): () => void;
}
