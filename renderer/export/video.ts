/**
 * Video export: the timeline rendered frame by frame by the inference worker ('render-timeline',
 * never a screen capture), upscaled, encoded and streamed to a host file. MP4 (H.264) and WebM (VP9)
 * go through WebCodecs and mediabunny's muxers; GIF through gifenc, one palette per frame. The host
 * keeps the file under a temporary name until the last byte is written, so a cancel or a crash
 * leaves nothing behind.
 */
import { GIFEncoder, applyPalette, quantize } from 'gifenc';
import { AudioBufferSource, Mp4OutputFormat, Output, Quality, QUALITY_HIGH, StreamTarget, VideoSample, VideoSampleSource, WebMOutputFormat, canEncodeAudio, canEncodeVideo, type StreamTargetChunk } from 'mediabunny';
import type { Rgba } from '../../app/inference/image';
import { EXPORT_CHUNK_BYTES } from '../../app/contract/channels';
import { upscale, type UpscaleFilter } from '../../app/export/resample';
import { checkTimeline, frameCount, type Timeline } from '../../app/state/timeline';
import { HostFile } from './host-file';
import { checkCancelled, folderOf, jobItems, openModel, runExport, stagedResolution, stageRefs } from './task';

/** The containers the studio writes. */
export type VideoFormat = 'mp4' | 'webm' | 'gif';

/** What the user chose in the video export controls. */
export interface VideoOptions {
  format: VideoFormat;
  fps: number;
  scale: number;
  filter: UpscaleFilter;
}

/** GIF delays are whole 1/100 s, and players slow delays under 2/100 s down: 50 fps is the ceiling. */
export const GIF_MAX_FPS = 50;

/** Turns frames into bytes of one container. */
export interface FrameSink {
  add(frame: Rgba, index: number): Promise<void>;
  finish(): Promise<void>;
  cancel(): Promise<void>;
}

/** Delay of GIF frame `index` in ms, in whole 1/100 s chosen so the running total stays on the fps clock. */
export function gifDelayMs(index: number, fps: number): number {
  return 10 * (Math.round(((index + 1) * 100) / fps) - Math.round((index * 100) / fps));
}

function gifSink(file: HostFile, fps: number, loop: boolean): FrameSink {
  const gif = GIFEncoder({ auto: false });
  let position = 0;
  const flush = async () => {
    const bytes = gif.stream.bytesView().slice();
    gif.stream.reset();
    await file.write(position, bytes);
    position += bytes.length;
  };
  gif.writeHeader();
  return {
    async add(frame, index) {
      // A palette per frame: latent walks change colours too much for one global palette.
      const palette = quantize(frame.data, 256);
      gif.writeFrame(applyPalette(frame.data, palette), frame.width, frame.height, {
        palette,
        delay: gifDelayMs(index, fps),
        first: index === 0,
        repeat: loop ? 0 : -1,
      });
      await flush();
    },
    async finish() {
      gif.finish();
      await flush();
    },
    cancel: async () => undefined,
  };
}

/** The sound codec of a container: AAC in MP4 where this browser encodes it, else Opus (MP4 carries Opus too); Opus in WebM. */
export async function audioCodecFor(format: 'mp4' | 'webm', audio: Pick<AudioBuffer, 'numberOfChannels' | 'sampleRate'>): Promise<'aac' | 'opus'> {
  const channels = Math.min(2, audio.numberOfChannels);
  if (format === 'mp4' && (await canEncodeAudio('aac', { numberOfChannels: channels, sampleRate: audio.sampleRate, quality: QUALITY_HIGH }))) return 'aac';
  if (await canEncodeAudio('opus', { numberOfChannels: channels, sampleRate: 48_000, quality: QUALITY_HIGH })) return 'opus';
  throw new Error(`this browser can encode neither AAC nor Opus sound; export without the track, or use a browser with WebCodecs audio encoders`);
}

/**
 * A sink for MP4 or WebM; with `audio`, its samples become the file's sound track (see
 * {@link audioCodecFor}), added before the first frame so the muxer interleaves them.
 */
export async function mediaSink(file: HostFile, format: 'mp4' | 'webm', width: number, height: number, fps: number, frames: number, audio?: AudioBuffer): Promise<FrameSink> {
  const codec = format === 'mp4' ? 'avc' : 'vp9';
  // Constant quality (a quantizer, like ffmpeg's CRF) where WebCodecs offers it, else a generous bitrate:
  // latent walks are detailed and small, where bitrate formulas for camera footage fall short.
  const quality = new Quality({ quantizer: codec === 'avc' ? 16 : 20, bitrate: Math.max(1_000_000, Math.round(width * height * fps * 0.15)) });
  if (!(await canEncodeVideo(codec, { width, height, quality }))) {
    throw new Error(`this browser cannot encode ${codec === 'avc' ? 'H.264' : 'VP9'} video at ${width}×${height}; choose ${format === 'mp4' ? 'WebM' : 'MP4'} or GIF`);
  }
  const writable = new WritableStream<StreamTargetChunk>({ write: (chunk) => file.write(chunk.position, chunk.data) });
  const output = new Output({
    // 'reserve' puts the index first (players start at once) while still streaming: it needs the packet count up front.
    format: format === 'mp4' ? new Mp4OutputFormat({ fastStart: 'reserve' }) : new WebMOutputFormat(),
    target: new StreamTarget(writable, { chunked: true, chunkSize: EXPORT_CHUNK_BYTES }),
  });
  const source = new VideoSampleSource({ codec, quality, keyFrameInterval: 2 });
  output.addVideoTrack(source, { frameRate: fps, maximumPacketCount: frames });
  let sound: AudioBufferSource | null = null;
  if (audio) {
    const codec = await audioCodecFor(format, audio);
    // Opus encoders take 48 kHz; stereo at most, as players expect of a music video.
    sound = new AudioBufferSource({ codec, quality: QUALITY_HIGH, transform: { numberOfChannels: Math.min(2, audio.numberOfChannels), ...(codec === 'opus' ? { sampleRate: 48_000 } : {}) } });
    // Packets of 10 ms or 512 samples, whichever is shorter, plus a third (mediabunny's advice).
    const packets = Math.ceil(Math.max(audio.duration / 0.01, audio.length / 512) * 1.34) + 16;
    output.addAudioTrack(sound, { maximumPacketCount: packets });
  }
  await output.start();
  if (sound) {
    await sound.add(audio!);
    sound.close();
  }
  return {
    async add(frame, index) {
      const sample = new VideoSample(frame.data, { format: 'RGBA', codedWidth: frame.width, codedHeight: frame.height, timestamp: index / fps, duration: 1 / fps });
      try {
        await source.add(sample);
      } finally {
        sample.close();
      }
    },
    async finish() {
      source.close();
      await output.finalize();
    },
    cancel: () => output.cancel(),
  };
}

/** Frames and their inference time, for the closing note's speed figures. */
function speedNote(frames: number, elapsedMs: number, inferenceMs: number): string {
  const written = frames / (elapsedMs / 1000);
  const inference = frames / (inferenceMs / 1000);
  return `${frames} frames at ${written.toFixed(1)} frames/s (inference alone ${inference.toFixed(1)} frames/s)`;
}

/**
 * Export the timeline as a video file; `timeline` is the studio's, `options` the export controls'.
 * Throws TimelineError or RangeError before starting when the timeline or the options cannot work.
 */
export function exportVideo(timeline: Timeline, options: VideoOptions): Promise<void> {
  const t: Timeline = { ...timeline, fps: options.fps };
  const label = `${options.format.toUpperCase()} export`;
  checkTimeline(t);
  if (options.format === 'gif' && options.fps > GIF_MAX_FPS) throw new RangeError(`GIF cannot play faster than ${GIF_MAX_FPS} fps: choose ${GIF_MAX_FPS} or less, or MP4 / WebM`);
  const total = frameCount(t);
  return runExport(label, total, async (progress, signal) => {
    const entry = openModel();
    const stages = stageRefs();
    const side = stagedResolution(entry) * options.scale;
    if (options.format !== 'gif' && side % 2 !== 0) throw new Error(`${side}×${side} is odd, which H.264 and VP9 cannot store: choose scale 2× or 4×`);
    const file = await HostFile.create(`${entry.id}-timeline-${options.fps}fps${options.scale > 1 ? `-${options.scale}x` : ''}.${options.format}`, options.format);
    let sink: FrameSink | null = null;
    try {
      sink = options.format === 'gif' ? gifSink(file, options.fps, t.loop !== 'none') : await mediaSink(file, options.format, side, side, options.fps, total);
      const started = performance.now();
      let inferenceMs = 0;
      for await (const item of jobItems({ kind: 'render-timeline', params: { timeline: t, first: 0, last: total - 1, stages } }, signal)) {
        inferenceMs += item.ms;
        await sink.add(upscale(item.image, options.scale, options.filter), item.index);
        checkCancelled(signal);
        progress(item.index + 1);
      }
      await sink.finish();
      const saved = await file.finish();
      return `Saved ${saved.name} in ${folderOf(saved.path)}: ${speedNote(total, performance.now() - started, inferenceMs)}`;
    } catch (error) {
      await sink?.cancel();
      await file.abort();
      throw error;
    }
  });
}
