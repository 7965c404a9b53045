/**
 * The CLI's video output: finding ffmpeg on PATH and piping the rendered PNG frames into it, which
 * encodes them as an H.264 MP4 (even-sized, yuv420p, so every player opens it).
 */
import { spawn } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { CliError } from './options';

/** The path of `command` on PATH, or null when it is not there. */
export async function onPath(command: string): Promise<string | null> {
  const names = process.platform === 'win32' ? [`${command}.exe`] : [command];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      try {
        await fs.access(path.join(dir, name), fsConstants.X_OK);
        return path.join(dir, name);
      } catch (error) {
        if (!['ENOENT', 'EACCES', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      }
    }
  }
  return null;
}

/** ffmpeg encoding the PNGs written to it into an H.264 MP4. */
export interface VideoEncoder {
  write(png: Uint8Array): Promise<void>;
  /** Close its input and wait for it to finish the file. */
  finish(): Promise<void>;
  /** Stop it (the caller deletes the unfinished file). */
  kill(): Promise<void>;
}

/** Start ffmpeg writing `file` at `fps` from the PNGs written to it. */
export function startFfmpeg(ffmpeg: string, fps: number, file: string): VideoEncoder {
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'image2pipe', '-framerate', String(fps), '-c:v', 'png', '-i', '-'];
  // yuv420p (what players expect) needs even sizes; pad odd ones by a pixel.
  args.push('-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '16', '-movflags', '+faststart', '-f', 'mp4', file);
  const child = spawn(ffmpeg, args, { stdio: ['pipe', 'inherit', 'pipe'] });
  const stdin = child.stdin!;
  let errors = '';
  child.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new CliError(`ffmpeg failed (${signal ?? `exit ${code}`}): ${errors.trim() || 'no message'}`))));
  });
  // Until someone awaits `done`, its rejection must not count as unhandled (awaiting it still throws).
  done.catch(() => undefined);
  // Writing to an ffmpeg that has died fails with EPIPE; `done` reports why it died, so that is the error raised.
  stdin.on('error', () => undefined);
  return {
    async write(png) {
      if (!stdin.write(png)) await Promise.race([new Promise((resolve) => stdin.once('drain', resolve)), done]);
    },
    async finish() {
      stdin.end();
      await done;
    },
    async kill() {
      child.kill();
      await done.then(
        () => undefined,
        () => undefined, // killed on purpose: its exit status says nothing new
      );
    },
  };
}
