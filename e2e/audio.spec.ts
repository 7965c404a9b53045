/**
 * Audio in the browser host: a 4 s synthetic track (written by the test as a WAV) is opened, its
 * RMS mapped to ψ, and every frame's ψ checked against the RMS the test computes from its own
 * samples; playback shows audio-driven frames; the MP4 and WebM exports carry one video and one
 * audio stream of the track's length (ffprobe) with one frame per frame period. Onsets step
 * through keyframes (and undo takes the change back); an export with sound cancels cleanly; a
 * recording from Chromium's fake capture device becomes the track, analysed while it records.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from './fixtures';
import { testWithHost } from './exports';
import type { LatentState } from '../app/state/latent-state';

const MODEL = 'fixture-stylegan-tiny';
const SR = 44_100;
const SECONDS = 4;
const FPS = 24;
const FRAMES = SECONDS * FPS;
const exportDir = mkdtempSync(path.join(tmpdir(), 'latent-studio-audio-exports-'));
const work = mkdtempSync(path.join(tmpdir(), 'latent-studio-audio-'));
const test = testWithHost({ LATENT_STUDIO_EXPORT_DIR: exportDir });

test.afterAll(() => {
  for (const dir of [exportDir, work]) rmSync(dir, { recursive: true, force: true });
});

/** The loudness envelope the track follows: quiet, a swell, a dip, loud (0.05 … 0.85). */
function envelope(t: number): number {
  return 0.05 + 0.8 * Math.abs(Math.sin((Math.PI * t) / 2.5)) * (t < 3 ? t / 3 : 1);
}

/** The track (a 330 Hz tone under the envelope) as samples and as a mono WAV file. */
function track(): { samples: Float64Array; wav: Buffer } {
  const samples = Float64Array.from({ length: SR * SECONDS }, (_, i) => envelope(i / SR) * Math.sin((2 * Math.PI * 330 * i) / SR));
  return { samples, wav: wavOf(samples) };
}

/** A mono 16-bit WAV of `samples` (−1 … 1). */
function wavOf(samples: Float64Array): Buffer {
  const n = samples.length;
  const wav = Buffer.alloc(44 + 2 * n);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + 2 * n, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(SR, 24);
  wav.writeUInt32LE(2 * SR, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++) wav.writeInt16LE(Math.round(32767 * Math.max(-1, Math.min(1, samples[i]!))), 44 + 2 * i);
  return wav;
}

/** `seconds` of clicks (3 ms bursts) at `times`, over silence. */
function clicks(seconds: number, times: number[]): Float64Array {
  const samples = new Float64Array(SR * seconds);
  for (const t of times) for (let j = 0; j < 0.003 * SR; j++) samples[Math.round(t * SR) + j] = 0.8 * Math.sin(j * 1.3) * Math.exp(-j / 30);
  return samples;
}

/** RMS per frame over the samples nearest each frame time, as docs/AUDIO.md defines it. */
function rmsPerFrame(samples: Float64Array): number[] {
  return Array.from({ length: FRAMES }, (_, i) => {
    const from = Math.max(0, Math.round(((i - 0.5) * SR) / FPS));
    const to = Math.min(samples.length, Math.round(((i + 0.5) * SR) / FPS));
    let sum = 0;
    for (let j = from; j < to; j++) sum += samples[j]! ** 2;
    return Math.sqrt(sum / (to - from));
  });
}

function probeStreams(file: string): { streams: { codec_type: string; codec_name: string; duration?: string; nb_read_frames?: string }[]; format: { duration: string } } {
  const result = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,codec_name,duration,nb_read_frames:format=duration', '-of', 'json', file], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

test('a track mapped RMS → ψ drives frames that follow its loudness, plays, and exports with its sound', async ({ studio, backend }) => {
  test.skip(backend === 'webgpu', 'UI flow with WASM rendering; the analysis and muxing do not touch the GPU');
  test.setTimeout(240_000);
  const { page } = studio;
  const { samples, wav } = track();
  const file = path.join(work, 'swell.wav');
  writeFileSync(file, wav);
  await studio.open(MODEL);

  await page.getByTestId('audio-input').setInputFiles(file);
  await expect(page.getByTestId('audio-waveform')).toHaveAttribute('data-frames', String(FRAMES), { timeout: 60_000 });
  await expect(page.getByTestId('audio-status')).toContainText('swell.wav · 4.00 s');
  await page.getByTestId('mapping-add').click();
  const row = page.getByTestId('mapping-row');
  await expect(row).toHaveCount(1);
  await row.getByTestId('mapping-attack-0').fill('0');
  await row.getByTestId('mapping-release-0').fill('0');
  await expect(row.getByTestId('mapping-target')).toHaveValue('psi');

  // ψ = offset 0.3 + gain 1 · RMS / its largest, frame by frame, against the test's own RMS of its samples.
  const states = (await page.evaluate(() => window.__latentStudioTest!.audioFrameStates!())) as LatentState[];
  expect(states).toHaveLength(FRAMES);
  const rms = rmsPerFrame(samples);
  const top = Math.max(...rms);
  const errors = states.map((s, i) => Math.abs(s.psi - (0.3 + rms[i]! / top)));
  console.log(`ψ against RMS: largest difference ${Math.max(...errors).toFixed(4)} over ${FRAMES} frames`);
  expect(Math.max(...errors)).toBeLessThan(0.02);
  expect(Math.max(...states.map((s) => s.psi)) - Math.min(...states.map((s) => s.psi))).toBeGreaterThan(0.8);

  // Playback: the preview shows frames of the track, chosen by the audio clock.
  await page.getByTestId('play').click();
  const canvas = page.getByTestId('preview-canvas');
  await expect(canvas).toHaveAttribute('data-rendered-key', /^audio\|\d+\|/, { timeout: 20_000 });
  // Sampled in the page every 50 ms for 2.5 s, so a slow round trip to the test does not thin the samples.
  const shown = await canvas.evaluate(
    (c: HTMLCanvasElement) =>
      new Promise<{ frame: number; lag: number }[]>((resolve) => {
        const out: { frame: number; lag: number }[] = [];
        const timer = setInterval(() => {
          const key = c.dataset.renderedKey ?? '';
          if (key.startsWith('audio|')) out.push({ frame: Number(key.split('|')[1]), lag: Number(c.dataset.audioLagMs) });
        }, 50);
        setTimeout(() => {
          clearInterval(timer);
          resolve(out);
        }, 2500);
      }),
  );
  await page.getByTestId('play').click();
  // The picture moves forward with the sound; how far it trails it is a figure, not a test.
  for (let i = 1; i < shown.length; i++) expect(shown[i]!.frame).toBeGreaterThanOrEqual(shown[i - 1]!.frame);
  expect(shown.at(-1)!.frame).toBeGreaterThan(shown[0]!.frame);
  const changes = shown.filter((s, i) => i === 0 || s.frame !== shown[i - 1]!.frame);
  console.log(`playback: frames ${changes.map((s) => s.frame).join(' ')}; picture behind the sound by ${changes.map((s) => s.lag).join(' ')} ms`);

  await page.getByTestId('export-video').click();
  const panel = page.getByTestId('export-video-panel');
  await expect(panel.getByTestId('export-video-audio')).toBeChecked();
  await expect(panel.getByTestId('export-video-summary')).toHaveText(`${FRAMES} frames · 4.00 s · 32×32 px`);
  for (const format of ['mp4', 'webm'] as const) {
    await panel.getByTestId('export-video-format').selectOption(format);
    await expect(panel.getByTestId('export-audio-codec')).toBeVisible();
    console.log(`${format}: ${await panel.getByTestId('export-audio-codec').textContent()}`);
    await panel.getByTestId('export-video-start').click();
    const name = `${MODEL}-audio-${FPS}fps.${format}`;
    await expect(page.getByTestId('export-status')).toContainText(`Saved ${name} in `, { timeout: 120_000 });
    console.log(`${format}: ${await page.getByTestId('export-status').textContent()}`);
    const info = probeStreams(path.join(exportDir, name));
    const video = info.streams.filter((s) => s.codec_type === 'video');
    const audio = info.streams.filter((s) => s.codec_type === 'audio');
    expect(video).toHaveLength(1);
    expect(audio).toHaveLength(1);
    expect(video[0]!.codec_name).toBe(format === 'mp4' ? 'h264' : 'vp9');
    expect(['aac', 'opus']).toContain(audio[0]!.codec_name);
    if (format === 'webm') expect(audio[0]!.codec_name).toBe('opus');
    expect(Number(video[0]!.nb_read_frames)).toBe(FRAMES);
    expect(Math.abs(Number(info.format.duration) - SECONDS), `${format} duration ${info.format.duration}`).toBeLessThan(1 / FPS);
    // WebM keeps no per-stream duration; MP4 does, and the sound's must match the track too.
    if (audio[0]!.duration) expect(Math.abs(Number(audio[0]!.duration) - SECONDS)).toBeLessThan(1 / FPS);
  }
});

test('onsets step through the keyframes, one keyframe per click', async ({ studio, backend }) => {
  test.skip(backend === 'webgpu', 'UI flow with WASM rendering; the analysis and muxing do not touch the GPU');
  const { page } = studio;
  const times = [0.5, 1.25, 2, 2.5];
  const file = path.join(work, 'clicks.wav');
  writeFileSync(file, wavOf(clicks(3, times)));
  await studio.open(MODEL);
  for (const seed of [11, 12, 13]) {
    await page.getByTestId('seed-input').fill(String(seed));
    await page.getByTestId('keyframe-add').click();
  }
  await page.getByTestId('audio-input').setInputFiles(file);
  await expect(page.getByTestId('audio-waveform')).toHaveAttribute('data-frames', String(3 * FPS), { timeout: 60_000 });
  await expect(page.getByTestId('audio-status')).toContainText('4 onsets');
  await page.getByTestId('mapping-add').click();
  await page.getByTestId('mapping-feature').selectOption('onset');
  await page.getByTestId('mapping-onset-action').selectOption('next-keyframe');
  const seeds = ((await page.evaluate(() => window.__latentStudioTest!.audioFrameStates!())) as LatentState[]).map((s) => s.seed);
  // Keyframe n mod 3 after n clicks; each click lands within a frame of its time.
  const expected = Array.from({ length: 3 * FPS }, (_, i) => [11, 12, 13][times.filter((t) => t * FPS <= i + 0.5).length % 3]);
  const wrong = seeds.map((s, i) => (s === expected[i] ? -1 : i)).filter((i) => i >= 0);
  for (const i of wrong) expect(times.some((t) => Math.abs(t * FPS - i) <= 1), `frame ${i}: seed ${seeds[i]}, expected ${expected[i]}`).toBe(true);
  expect(new Set(seeds)).toEqual(new Set([11, 12, 13]));
  // Undo takes the mapping's change back.
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('mapping-onset-action')).toHaveValue('pulse');
});

test('an export with sound cancelled part way leaves no file', async ({ studio, backend }) => {
  test.skip(backend === 'webgpu', 'UI flow with WASM rendering; the analysis and muxing do not touch the GPU');
  const { page } = studio;
  const file = path.join(work, 'long.wav');
  writeFileSync(file, wavOf(clicks(20, [1, 2, 3])));
  await studio.open(MODEL);
  await page.getByTestId('audio-input').setInputFiles(file);
  await expect(page.getByTestId('audio-waveform')).toHaveAttribute('data-frames', String(20 * FPS), { timeout: 60_000 });
  const before = readdirSync(exportDir);
  await page.getByTestId('export-video').click();
  const panel = page.getByTestId('export-video-panel');
  await panel.getByTestId('export-video-format').selectOption('webm');
  await panel.getByTestId('export-scale').selectOption('4');
  await panel.getByTestId('export-video-start').click();
  const bar = page.getByTestId('export-progress');
  await expect.poll(() => bar.evaluate((p: HTMLProgressElement) => p.value / p.max), { intervals: [50], timeout: 60_000 }).toBeGreaterThanOrEqual(0.1);
  await page.getByTestId('export-cancel').click();
  await expect(page.getByTestId('export-status')).toHaveText('WEBM export with sound cancelled: no partial file was left behind.');
  expect(readdirSync(exportDir)).toEqual(before);
});

test('a recording from the input device becomes the track, analysed while it records', async ({ studio, backend }) => {
  test.skip(backend === 'webgpu', 'UI flow with WASM rendering; the analysis and muxing do not touch the GPU');
  const { page } = studio;
  await studio.open(MODEL);
  // Chromium's fake capture device (playwright.config.ts) stands in for a microphone.
  await page.getByTestId('audio-record').click();
  await expect(page.getByTestId('audio-record')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('audio-status')).toContainText('Recording', { timeout: 30_000 });
  // Lanes appear before the recording stops: the take so far is decoded and analysed every 2 s.
  await expect.poll(async () => Number(await page.getByTestId('audio-waveform').getAttribute('data-frames')), { timeout: 60_000 }).toBeGreaterThan(0);
  // Record past 3 s of take (the lanes follow the take every 2 s), whatever the machine's load.
  await expect.poll(async () => Number(await page.getByTestId('audio-waveform').getAttribute('data-frames')), { timeout: 60_000 }).toBeGreaterThan(3.2 * FPS);
  await page.getByTestId('audio-record').click();
  await expect(page.getByTestId('audio-record')).toHaveAttribute('aria-pressed', 'false');
  // The whole take, analysed: "Recording · 5.02 s · 10 onsets, 120.0 BPM".
  await expect(page.getByTestId('audio-status')).toHaveText(/^Recording · \d+\.\d\d s · \d+ onsets/, { timeout: 60_000 });
  const seconds = Number((await page.getByTestId('audio-status').textContent())!.match(/(\d+\.\d\d) s/)![1]);
  expect(seconds).toBeGreaterThan(3);
  const frames = Number(await page.getByTestId('audio-waveform').getAttribute('data-frames'));
  expect(Math.abs(frames - seconds * FPS)).toBeLessThanOrEqual(1);
});

