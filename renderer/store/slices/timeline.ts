import { DEFAULT_TIMELINE, type Easing, type Interpolation, type Keyframe, type LoopMode, type Timeline } from '../../../app/state/timeline';
import type { Slice } from '../types';

/** Keyframes and playback. */
export interface TimelineSlice {
  timeline: Timeline;
  /** Index of the selected keyframe, or null. */
  selectedKeyframe: number | null;
  playing: boolean;
  /** Add the current latent state as a keyframe after the selected one (or at the end). */
  addKeyframe(): void;
  removeKeyframe(index: number): void;
  /** Move keyframe `from` to position `to`. */
  moveKeyframe(from: number, to: number): void;
  setKeyframe(index: number, fields: Partial<Pick<Keyframe, 'duration' | 'easing'>>): void;
  selectKeyframe(index: number | null): void;
  setTimelineOptions(options: Partial<{ fps: number; interpolation: Interpolation; loop: LoopMode }>): void;
  setTimeline(timeline: Timeline): void;
  setPlaying(playing: boolean): void;
}

let nextId = 1;

/** Default easing and hold of a new keyframe. */
const NEW_KEYFRAME: { duration: number; easing: Easing } = { duration: 2, easing: 'linear' };

export const timelineSlice: Slice<TimelineSlice> = (set) => ({
  timeline: { ...DEFAULT_TIMELINE, keyframes: [] },
  selectedKeyframe: null,
  playing: false,
  addKeyframe: () =>
    set((s) => {
      const keyframes = [...s.timeline.keyframes];
      const at = s.selectedKeyframe === null ? keyframes.length : s.selectedKeyframe + 1;
      keyframes.splice(at, 0, { id: `kf-${Date.now().toString(36)}-${nextId++}`, state: structuredClone(s.latent), ...NEW_KEYFRAME });
      return { timeline: { ...s.timeline, keyframes }, selectedKeyframe: at };
    }),
  removeKeyframe: (index) =>
    set((s) => {
      const keyframes = s.timeline.keyframes.filter((_, i) => i !== index);
      const selected = s.selectedKeyframe === null ? null : Math.min(s.selectedKeyframe, keyframes.length - 1);
      return { timeline: { ...s.timeline, keyframes }, selectedKeyframe: keyframes.length === 0 ? null : selected };
    }),
  moveKeyframe: (from, to) =>
    set((s) => {
      const keyframes = [...s.timeline.keyframes];
      if (from < 0 || from >= keyframes.length || to < 0 || to >= keyframes.length) return {};
      const [moved] = keyframes.splice(from, 1);
      keyframes.splice(to, 0, moved!);
      return { timeline: { ...s.timeline, keyframes }, selectedKeyframe: to };
    }),
  setKeyframe: (index, fields) =>
    set((s) => ({
      timeline: { ...s.timeline, keyframes: s.timeline.keyframes.map((k, i) => (i === index ? { ...k, ...fields } : k)) },
    })),
  selectKeyframe: (selectedKeyframe) => set({ selectedKeyframe }),
  setTimelineOptions: (options) => set((s) => ({ timeline: { ...s.timeline, ...options } })),
  setTimeline: (timeline) => set({ timeline: structuredClone(timeline), selectedKeyframe: null }),
  setPlaying: (playing) => set({ playing }),
});
