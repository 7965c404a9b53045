/**
 * The audio track the animation follows, its analysed features and the feature → control mappings
 * (app/control/mappings.ts). The mappings are part of the project and of undo; the track's samples
 * are not (a project names the track, the user opens it again).
 */
import type { AudioFeatures } from '../../../app/audio/analysis';
import { defaultMapping, type Mapping } from '../../../app/control/mappings';
import type { Slice } from '../types';

/** A decoded track, or a recording from an input device. */
export interface AudioTrack {
  name: string;
  /** The samples, for playback and for muxing into an export. */
  buffer: AudioBuffer;
  source: 'file' | 'input';
}

/** The most mappings a project keeps. */
export const MAX_MAPPINGS = 32;

/** Audio in, analysis and mappings. */
export interface AudioSlice {
  audioTrack: AudioTrack | null;
  /** Features of `audioTrack` at the timeline's fps; null until the worker has them. */
  audioFeatures: AudioFeatures | null;
  /** What the audio part is doing, for the user ("Analysing…", "Recording 3.2 s"); null when idle. */
  audioStatus: string | null;
  audioMappings: Mapping[];
  setAudioTrack(track: AudioTrack | null): void;
  setAudioFeatures(features: AudioFeatures | null): void;
  setAudioStatus(status: string | null): void;
  /** Add a mapping (RMS → ψ unless told otherwise) at the end. */
  addMapping(mapping?: Partial<Mapping>): void;
  /** Change mapping `id`'s fields. */
  updateMapping(id: string, fields: Partial<Omit<Mapping, 'id'>>): void;
  removeMapping(id: string): void;
  setMappings(mappings: Mapping[]): void;
}

let nextId = 1;

export const audioSlice: Slice<AudioSlice> = (set) => ({
  audioTrack: null,
  audioFeatures: null,
  audioStatus: null,
  audioMappings: [],
  setAudioTrack: (audioTrack) => set({ audioTrack, audioFeatures: null }),
  setAudioFeatures: (audioFeatures) => set({ audioFeatures }),
  setAudioStatus: (audioStatus) => set({ audioStatus }),
  addMapping: (mapping = {}) =>
    set((s) => (s.audioMappings.length >= MAX_MAPPINGS ? {} : { audioMappings: [...s.audioMappings, { ...defaultMapping(`map-${Date.now().toString(36)}-${nextId++}`), ...mapping }] })),
  updateMapping: (id, fields) => set((s) => ({ audioMappings: s.audioMappings.map((m) => (m.id === id ? { ...m, ...fields } : m)) })),
  removeMapping: (id) => set((s) => ({ audioMappings: s.audioMappings.filter((m) => m.id !== id) })),
  setMappings: (audioMappings) => set({ audioMappings: structuredClone(audioMappings) }),
});
