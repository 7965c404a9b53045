/**
 * Video export driven by the audio track: every frame of the track (or of the chosen stretch of it)
 * rendered from its audio-driven state (renderer/audio/frames.ts, the same as the preview's),
 * encoded, and the stretch of the track muxed in as the sound (renderer/export/video.ts picks AAC
 * or Opus). The video has exactly as many frames as the stretch has frame periods, and the sound
 * is cut to those frames, so the two durations agree to the sample.
 */
import { upscale } from '../../app/export/resample';
import type { AudioFeatures } from '../../app/audio/analysis';
import { analyseBuffer } from '../audio/analyse';
import { audioFrameState } from '../audio/frames';
import { studioStore } from '../store';
import { HostFile } from './host-file';
import { checkCancelled, folderOf, jobItems, openModel, runExport } from './task';
import { audioCodecFor, mediaSink, type VideoOptions } from './video';

/** States rendered per background job: small enough to cancel quickly, large enough to keep the worker busy. */
const STATES_PER_JOB = 24;

/** The frames [first, first + count) of a stretch [start, end) seconds of a track at `fps`. */
export function audioFrameRange(duration: number, fps: number, start = 0, end = duration): { first: number; count: number } {
  const from = Math.max(0, Math.min(start, duration));
  const to = Math.max(from, Math.min(end, duration));
  const first = Math.round(from * fps);
  return { first, count: Math.max(0, Math.round(to * fps) - first) };
}

/** The samples of frames [first, first + count) of `buffer` at `fps`, as a buffer of their own. */
function cut(buffer: AudioBuffer, fps: number, first: number, count: number): AudioBuffer {
  const from = Math.round((first * buffer.sampleRate) / fps);
  const length = Math.max(1, Math.min(buffer.length, Math.round(((first + count) * buffer.sampleRate) / fps)) - from);
  const out = new AudioBuffer({ length, numberOfChannels: buffer.numberOfChannels, sampleRate: buffer.sampleRate });
  for (let c = 0; c < buffer.numberOfChannels; c++) out.copyToChannel(buffer.getChannelData(c).subarray(from, from + length), c);
  return out;
}

/**
 * Export the audio-driven animation with its sound as MP4 or WebM (GIF has no sound).
 * Throws RangeError before starting when there is no track or the stretch is shorter than a frame.
 */
export function exportAudioVideo(options: VideoOptions & { start?: number; end?: number }): Promise<void> {
  const { audioTrack } = studioStore.getState();
  if (!audioTrack) throw new RangeError('there is no audio track: open one with "Open audio…"');
  if (options.format === 'gif') throw new RangeError('a GIF cannot carry sound: choose MP4 or WebM to export with the track');
  const format = options.format;
  const { fps } = options;
  const { first, count } = audioFrameRange(audioTrack.buffer.duration, fps, options.start, options.end);
  if (count < 1) throw new RangeError('the chosen stretch of the track is shorter than one frame: widen it');
  const label = `${format.toUpperCase()} export with sound`;
  return runExport(label, count, async (progress, signal) => {
    const entry = openModel();
    const side = entry.manifest.resolution * options.scale;
    if (side % 2 !== 0) throw new Error(`${side}×${side} is odd, which H.264 and VP9 cannot store: choose scale 2× or 4×`);
    const held = studioStore.getState().audioFeatures;
    const features: AudioFeatures = held && held.fps === fps ? held : await analyseBuffer(audioTrack.buffer, fps, () => undefined, signal);
    checkCancelled(signal);
    const sound = cut(audioTrack.buffer, fps, first, count);
    const codec = await audioCodecFor(format, sound);
    const file = await HostFile.create(`${entry.id}-audio-${fps}fps${options.scale > 1 ? `-${options.scale}x` : ''}.${format}`, format);
    let sink: Awaited<ReturnType<typeof mediaSink>> | null = null;
    try {
      sink = await mediaSink(file, format, side, side, fps, count, sound);
      // The studio's state as the export starts: later edits do not reach frames not yet rendered.
      const s = studioStore.getState();
      for (let done = 0; done < count; done += STATES_PER_JOB) {
        const states = Array.from({ length: Math.min(STATES_PER_JOB, count - done) }, (_, i) => audioFrameState(s, features, first + done + i));
        for await (const item of jobItems({ kind: 'render-batch', params: { states } }, signal)) {
          await sink.add(upscale(item.image, options.scale, options.filter), done + item.index);
          checkCancelled(signal);
          progress(done + item.index + 1);
        }
      }
      await sink.finish();
      const saved = await file.finish();
      const note = format === 'mp4' && codec === 'opus' ? ' (sound in Opus: this browser cannot encode AAC; VLC, ffmpeg and Chromium play it, QuickTime may not)' : '';
      return `Saved ${saved.name} in ${folderOf(saved.path)}: ${count} frames with ${(count / fps).toFixed(2)} s of sound, ${codec === 'aac' ? 'AAC' : 'Opus'}${note}`;
    } catch (error) {
      await sink?.cancel();
      await file.abort();
      throw error;
    }
  });
}
