/**
 * Live settings in project files: optional, so projects saved before live control still open (with
 * none), kept through a save and reopen, and refused with a message naming the field when damaged.
 */
import { describe, expect, it } from 'vitest';
import { latentState } from '../state/latent-state';
import { CURRENT_PROJECT_FORMAT, parseProjectText, PROJECT_KIND, serializeProject, type Project } from './schema';

const base: Project = {
  kind: PROJECT_KIND,
  format: CURRENT_PROJECT_FORMAT,
  savedAt: '2026-01-02T03:04:05.000Z',
  model: { id: 'fixture-stylegan-tiny', name: 'Tiny', graphs: {} },
  latent: latentState({}),
  timeline: { keyframes: [], fps: 24, interpolation: 'w-cubic', loop: 'close' },
  directions: [],
  map: null,
};

describe('live settings in a project', () => {
  it('opens a project without them', () => {
    expect(parseProjectText(serializeProject(base)).live).toBeUndefined();
  });

  it('keeps bindings and the OSC port through a save and reopen', () => {
    const live: NonNullable<Project['live']> = {
      oscPort: 9123,
      bindings: [
        { source: 'midi', message: 'cc', channel: 2, number: 7, target: { kind: 'psi' }, range: { min: -1, max: 2 } },
        { source: 'osc', address: '/1/fader1', target: { kind: 'edit', id: 'pca-0' }, range: { min: -5, max: 5 } },
      ],
    };
    expect(parseProjectText(serializeProject({ ...base, live })).live).toEqual(live);
  });

  it('refuses a damaged binding, naming where', () => {
    const text = JSON.stringify({ ...base, live: { oscPort: 9000, bindings: [{ source: 'midi', message: 'cc', channel: 99, number: 7, target: { kind: 'psi' }, range: { min: 0, max: 1 } }] } });
    expect(() => parseProjectText(text)).toThrow(/"live\.bindings\.0\.channel"/);
  });
});
