/**
 * Live control as data: what a MIDI or OSC binding is (saved in the project), how a raw MIDI
 * message reads, how a bound value maps into its control's range, and the studio's fixed OSC
 * address scheme (docs/OSC.md). Pure: the renderer's live/ folder feeds it what Web MIDI and the
 * host deliver and applies the actions it answers with applyControl (targets.ts).
 */
import { z } from 'zod';
import { oscNumber, type OscMessage } from './osc';
import { controlTargetSchema } from './target-schema';
import { clampToRange, type ControlRange, type ControlTarget } from './targets';

/** The UDP port OSC is received on unless the user picks another (TouchOSC and many tools send to it). */
export const DEFAULT_OSC_PORT = 9000;

/** A UDP port the user may pick: unprivileged ports only. */
export const oscPortSchema = z.number().int().min(1024).max(65535);

/** The most bindings a project keeps. */
export const MAX_LIVE_BINDINGS = 256;

const rangeSchema = z
  .object({ min: z.number().finite(), max: z.number().finite() })
  .strict()
  .refine((r) => r.min <= r.max, { message: 'range must have min ≤ max' });

const oscAddressSchema = z
  .string()
  .min(2)
  .max(200)
  .regex(/^\/[\x21-\x7e]*$/, 'must be an OSC address ("/" then printable characters)');

/**
 * A binding: which input drives which control, and the range its input spans (MIDI's 0…127, or an
 * OSC value's 0…1, go linearly onto `range`; the control clamps to its own range after that).
 */
export const liveBindingSchema = z.discriminatedUnion('source', [
  z
    .object({
      source: z.literal('midi'),
      /** A control change's controller number, or a note's number (its velocity is the value). */
      message: z.enum(['cc', 'note']),
      /** MIDI channel, 0…15 (channel 1 is 0). */
      channel: z.number().int().min(0).max(15),
      number: z.number().int().min(0).max(127),
      target: controlTargetSchema,
      range: rangeSchema,
    })
    .strict(),
  z.object({ source: z.literal('osc'), address: oscAddressSchema, target: controlTargetSchema, range: rangeSchema }).strict(),
]);

/** A saved MIDI or OSC binding. */
export type LiveBinding = z.infer<typeof liveBindingSchema>;

/** What a project keeps of live control. */
export const liveSettingsSchema = z.object({ bindings: z.array(liveBindingSchema).max(MAX_LIVE_BINDINGS), oscPort: oscPortSchema }).strict();

/** Live control as a project keeps it. */
export type LiveSettings = z.infer<typeof liveSettingsSchema>;

/** A MIDI message the studio acts on. */
export type MidiEvent = { message: 'cc' | 'note'; channel: number; number: number; value: number };

/**
 * Read one MIDI message (Web MIDI hands them one per event): a control change, or a note on/off
 * (note off, and note on at velocity 0, read as value 0). 'other' for well-formed messages the
 * studio does not use (clock, pitch bend, system exclusive…); 'malformed' for wrong lengths or
 * data bytes with the top bit set.
 */
export function readMidi(bytes: ArrayLike<number>): MidiEvent | 'other' | 'malformed' {
  const status = bytes[0];
  if (status === undefined || status < 0x80 || status > 0xff) return 'malformed';
  if (status >= 0xf0) return 'other';
  const kind = status & 0xf0;
  const channel = status & 0x0f;
  const length = kind === 0xc0 || kind === 0xd0 ? 2 : 3;
  if (bytes.length !== length) return 'malformed';
  for (let i = 1; i < length; i += 1) if (!(bytes[i]! >= 0 && bytes[i]! <= 0x7f)) return 'malformed';
  if (kind === 0xb0) return { message: 'cc', channel, number: bytes[1]!, value: bytes[2]! };
  if (kind === 0x90) return { message: 'note', channel, number: bytes[1]!, value: bytes[2]! };
  if (kind === 0x80) return { message: 'note', channel, number: bytes[1]!, value: 0 };
  return 'other';
}

/** Whether `binding` listens to `event`. */
export function midiBindingMatches(binding: LiveBinding, event: MidiEvent): boolean {
  return binding.source === 'midi' && binding.message === event.message && binding.channel === event.channel && binding.number === event.number;
}

/** A MIDI data value (0…127) on `range`, linearly. */
export function midiValue(range: Pick<ControlRange, 'min' | 'max'>, value: number): number {
  return range.min + (Math.min(127, Math.max(0, value)) / 127) * (range.max - range.min);
}

/** A learned OSC address's value (0…1, as faders send) on `range`, linearly, clamped to it. */
export function oscBindingValue(range: Pick<ControlRange, 'min' | 'max'>, value: number): number {
  return clampToRange(range, range.min + value * (range.max - range.min));
}

/** What a live input asks the studio to do. */
export type LiveAction = { kind: 'control'; target: ControlTarget; value: number } | { kind: 'play' } | { kind: 'stop' };

/** The directions an edit address may name, by id or by name. */
export interface SchemeContext {
  directions: ReadonlyArray<{ id: string; name: string }>;
}

/** Why an OSC message was ignored (it is counted). */
export type OscIgnored = { ignored: string };

/**
 * The action of an OSC message: a learned binding for its address first, else the fixed scheme
 * (docs/OSC.md): `/latent/psi f`, `/latent/edit/<id or name> f`, `/latent/seed i`, `/latent/mix/<n> f`
 * (n from 0, the first source), `/timeline/play`, `/timeline/stop`, `/timeline/position f` (0…1 along
 * the keyframes). Values go to the control as they are (the control clamps them); a learned address
 * maps 0…1 onto its binding's range. Unknown addresses and arguments of the wrong type are ignored.
 */
export function oscAction(message: OscMessage, bindings: readonly LiveBinding[], ctx: SchemeContext): LiveAction | OscIgnored {
  const bound = bindings.find((b) => b.source === 'osc' && b.address === message.address);
  const value = oscNumber(message);
  if (bound) {
    if (value === null) return { ignored: `${message.address} needs a number` };
    return { kind: 'control', target: bound.target, value: oscBindingValue(bound.range, value) };
  }
  const address = message.address;
  if (address === '/timeline/play') return { kind: 'play' };
  if (address === '/timeline/stop') return { kind: 'stop' };
  const target = schemeTarget(address, ctx);
  if (!target) return { ignored: `unknown address ${address}` };
  if (value === null) return { ignored: `${address} needs a number` };
  return { kind: 'control', target, value };
}

function schemeTarget(address: string, ctx: SchemeContext): ControlTarget | null {
  if (address === '/latent/psi') return { kind: 'psi' };
  if (address === '/latent/seed') return { kind: 'seed' };
  if (address === '/timeline/position') return { kind: 'path' };
  const edit = /^\/latent\/edit\/(.+)$/.exec(address);
  if (edit) {
    const name = edit[1]!;
    const direction = ctx.directions.find((d) => d.id === name) ?? ctx.directions.find((d) => d.name === name);
    return direction ? { kind: 'edit', id: direction.id } : null;
  }
  const mix = /^\/latent\/mix\/(\d{1,2})$/.exec(address);
  if (mix) return { kind: 'mix', index: Number(mix[1]) };
  return null;
}
