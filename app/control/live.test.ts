/**
 * Live control's rules: raw MIDI bytes as Web MIDI hands them, the mapping of a bound value into its
 * range, the fixed OSC address scheme of docs/OSC.md (and a learned address taking precedence), and
 * the project's binding records refusing what the studio could not apply.
 */
import { describe, expect, it } from 'vitest';
import { liveBindingSchema, liveSettingsSchema, midiBindingMatches, midiValue, oscAction, oscBindingValue, readMidi, type LiveBinding } from './live';

const ctx = { directions: [{ id: 'pca-0', name: 'smile' }, { id: 'pca-1', name: 'age' }] };
const f = (address: string, value: number) => ({ address, args: [{ type: 'f' as const, value }] });

describe('readMidi', () => {
  it('reads control changes and notes on every channel, note off and velocity 0 as 0', () => {
    expect(readMidi([0xb0, 7, 100])).toEqual({ message: 'cc', channel: 0, number: 7, value: 100 });
    expect(readMidi([0xbf, 74, 0])).toEqual({ message: 'cc', channel: 15, number: 74, value: 0 });
    expect(readMidi([0x93, 60, 90])).toEqual({ message: 'note', channel: 3, number: 60, value: 90 });
    expect(readMidi([0x83, 60, 64])).toEqual({ message: 'note', channel: 3, number: 60, value: 0 });
    expect(readMidi([0x90, 60, 0])).toEqual({ message: 'note', channel: 0, number: 60, value: 0 });
  });

  it('tells messages it does not use from broken ones', () => {
    expect(readMidi([0xf8])).toBe('other'); // clock
    expect(readMidi([0xe0, 0, 64])).toBe('other'); // pitch bend
    expect(readMidi([0xc0, 5])).toBe('other'); // program change
    expect(readMidi([])).toBe('malformed');
    expect(readMidi([7, 100])).toBe('malformed'); // no status byte
    expect(readMidi([0xb0, 7])).toBe('malformed'); // truncated
    expect(readMidi([0xb0, 7, 200])).toBe('malformed'); // data byte with the top bit
    expect(readMidi([0xb0, 7, 1, 2])).toBe('malformed');
  });
});

describe('values', () => {
  it('spreads MIDI 0…127 over the range and OSC 0…1 over the range, clamped', () => {
    expect(midiValue({ min: -2, max: 2 }, 0)).toBe(-2);
    expect(midiValue({ min: -2, max: 2 }, 127)).toBe(2);
    expect(midiValue({ min: 0, max: 1 }, 63.5)).toBeCloseTo(0.5, 12);
    expect(oscBindingValue({ min: 0, max: 2 }, 0.25)).toBe(0.5);
    expect(oscBindingValue({ min: 0, max: 2 }, 3)).toBe(2);
  });

  it('matches a MIDI binding on message, channel and number only', () => {
    const binding: LiveBinding = { source: 'midi', message: 'cc', channel: 1, number: 7, target: { kind: 'psi' }, range: { min: 0, max: 1 } };
    expect(midiBindingMatches(binding, { message: 'cc', channel: 1, number: 7, value: 3 })).toBe(true);
    expect(midiBindingMatches(binding, { message: 'cc', channel: 0, number: 7, value: 3 })).toBe(false);
    expect(midiBindingMatches(binding, { message: 'note', channel: 1, number: 7, value: 3 })).toBe(false);
    expect(midiBindingMatches(binding, { message: 'cc', channel: 1, number: 8, value: 3 })).toBe(false);
  });
});

describe('oscAction', () => {
  it('follows the fixed scheme', () => {
    expect(oscAction(f('/latent/psi', 0.7), [], ctx)).toEqual({ kind: 'control', target: { kind: 'psi' }, value: 0.7 });
    expect(oscAction({ address: '/latent/seed', args: [{ type: 'i', value: 42 }] }, [], ctx)).toEqual({ kind: 'control', target: { kind: 'seed' }, value: 42 });
    expect(oscAction(f('/latent/edit/pca-1', 1.5), [], ctx)).toEqual({ kind: 'control', target: { kind: 'edit', id: 'pca-1' }, value: 1.5 });
    expect(oscAction(f('/latent/edit/smile', -3), [], ctx)).toEqual({ kind: 'control', target: { kind: 'edit', id: 'pca-0' }, value: -3 });
    expect(oscAction(f('/latent/mix/1', 0.5), [], ctx)).toEqual({ kind: 'control', target: { kind: 'mix', index: 1 }, value: 0.5 });
    expect(oscAction(f('/timeline/position', 0.25), [], ctx)).toEqual({ kind: 'control', target: { kind: 'path' }, value: 0.25 });
    expect(oscAction({ address: '/timeline/play', args: [] }, [], ctx)).toEqual({ kind: 'play' });
    expect(oscAction({ address: '/timeline/stop', args: [] }, [], ctx)).toEqual({ kind: 'stop' });
    expect(oscAction({ address: '/latent/psi', args: [{ type: 'T', value: true }] }, [], ctx)).toEqual({ kind: 'control', target: { kind: 'psi' }, value: 1 });
  });

  it('ignores unknown addresses, unknown edits and arguments that are not numbers, saying why', () => {
    expect(oscAction(f('/latent/zoom', 1), [], ctx)).toEqual({ ignored: 'unknown address /latent/zoom' });
    expect(oscAction(f('/latent/edit/nope', 1), [], ctx)).toEqual({ ignored: 'unknown address /latent/edit/nope' });
    expect(oscAction({ address: '/latent/psi', args: [{ type: 's', value: '0.7' }] }, [], ctx)).toEqual({ ignored: '/latent/psi needs a number' });
    expect(oscAction({ address: '/latent/psi', args: [] }, [], ctx)).toEqual({ ignored: '/latent/psi needs a number' });
  });

  it('lets a learned address drive its target, 0…1 over the binding’s range, before the scheme', () => {
    const bindings: LiveBinding[] = [
      { source: 'osc', address: '/1/fader1', target: { kind: 'edit', id: 'pca-0' }, range: { min: -5, max: 5 } },
      { source: 'osc', address: '/latent/psi', target: { kind: 'noise-strength' }, range: { min: 0, max: 2 } },
    ];
    expect(oscAction(f('/1/fader1', 0.75), bindings, ctx)).toEqual({ kind: 'control', target: { kind: 'edit', id: 'pca-0' }, value: 2.5 });
    expect(oscAction(f('/latent/psi', 0.5), bindings, ctx)).toEqual({ kind: 'control', target: { kind: 'noise-strength' }, value: 1 });
  });
});

describe('the saved records', () => {
  it('accept bindings and settings the studio can apply, and refuse the rest', () => {
    const midi = { source: 'midi', message: 'cc', channel: 0, number: 1, target: { kind: 'psi' }, range: { min: 0, max: 1 } };
    expect(liveSettingsSchema.safeParse({ bindings: [midi], oscPort: 9000 }).success).toBe(true);
    expect(liveBindingSchema.safeParse({ ...midi, channel: 16 }).success).toBe(false);
    expect(liveBindingSchema.safeParse({ ...midi, number: 128 }).success).toBe(false);
    expect(liveBindingSchema.safeParse({ ...midi, range: { min: 1, max: 0 } }).success).toBe(false);
    expect(liveBindingSchema.safeParse({ ...midi, target: { kind: 'zoom' } }).success).toBe(false);
    expect(liveBindingSchema.safeParse({ source: 'osc', address: 'no-slash', target: { kind: 'psi' }, range: { min: 0, max: 1 } }).success).toBe(false);
    expect(liveSettingsSchema.safeParse({ bindings: [], oscPort: 80 }).success).toBe(false);
  });
});
