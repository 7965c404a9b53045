/**
 * Edit directions kept with each model, in the user data folder: one JSON file per model id
 * (`<data>/directions/<model id>.json`, vectors as arrays), replaced atomically on every save so a
 * crash mid-write leaves the previous list intact. Plain Node; both hosts use it through api.ts.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { directionSchema, type Direction } from '../../app/latent/directions';
import { writeJsonAtomic } from './atomic';

/** Environment variable that moves the user data folder (tests always set it to a temp folder). */
export const DATA_DIR_ENV = 'LATENT_STUDIO_DATA_DIR';
const APP_FOLDER = 'latent-studio';
const FILE_FORMAT = 1;

const fileSchema = z.object({
  format: z.literal(FILE_FORMAT),
  modelId: z.string(),
  directions: z.array(directionSchema),
});

/**
 * The studio's user data folder: `$LATENT_STUDIO_DATA_DIR` when set, else the platform's per-user
 * configuration folder (`$XDG_CONFIG_HOME` or ~/.config on Linux, ~/Library/Application Support on
 * macOS, %APPDATA% on Windows) + `latent-studio`.
 */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  const asked = env[DATA_DIR_ENV];
  if (asked) return path.resolve(asked);
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), APP_FOLDER);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_FOLDER);
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), APP_FOLDER);
}

/** Raised when a saved directions file cannot be read; the message says what to do. */
export class DirectionStoreError extends Error {
  override readonly name = 'DirectionStoreError';
}

/** Reads and writes the directions of every model under one data folder. */
export class DirectionStore {
  /** The last save asked for per model, settled either way: saves of one model run in order, so the last one wins. */
  private writes = new Map<string, Promise<void>>();

  constructor(readonly dataDir: string) {}

  /** The file holding `modelId`'s directions (ids are checked by the contract: no separators). */
  fileOf(modelId: string): string {
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(modelId)) throw new DirectionStoreError(`"${modelId}" is not a model id`);
    return path.join(this.dataDir, 'directions', `${modelId}.json`);
  }

  /** The saved directions of `modelId`, in order; [] when none were saved. */
  async list(modelId: string): Promise<Direction[]> {
    const file = this.fileOf(modelId);
    await this.writes.get(modelId);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    let parsed: z.infer<typeof fileSchema>;
    try {
      parsed = fileSchema.parse(JSON.parse(text));
    } catch (error) {
      throw new DirectionStoreError(
        `the saved directions of "${modelId}" (${file}) are damaged (${(error as Error).message.split('\n')[0]}); move that file away to start afresh`,
      );
    }
    return parsed.directions;
  }

  /** Replace `modelId`'s saved directions; resolves once the new file is in place. */
  save(modelId: string, directions: readonly Direction[]): Promise<void> {
    const file = this.fileOf(modelId);
    const write = () => writeJsonAtomic(file, { format: FILE_FORMAT, modelId, directions });
    // Queue behind this model's earlier save whatever its outcome: its own caller got that error.
    const done = (this.writes.get(modelId) ?? Promise.resolve()).then(write, write);
    this.writes.set(
      modelId,
      done.then(
        () => undefined,
        () => undefined,
      ),
    );
    return done;
  }
}

