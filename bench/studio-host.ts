/**
 * The built browser host (dist/web/server.mjs) serving exactly the bench's models: the studio that
 * ui-latency drives in Chromium (chromium.ts) and the host whose native socket the interleaved
 * web-native rows use (interleaved.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { startBrowserHost } from '../test-support/browser-host';
import type { BenchModel } from './models';

/** A browser host started for ui-latency (and the interleaved web-native rows), serving the bench's models. */
export interface Host {
  child: ChildProcess;
  url: string;
}

/**
 * Start the built browser host (dist/web/server.mjs) on a models folder holding the bench's
 * packages, so the studio lists exactly those. The library lists real folders only (not links), so
 * each package folder is made here, its files hard-linked (copied across file systems).
 */
export async function startStudioHost(root: string, models: readonly BenchModel[], scratch: string): Promise<Host & { modelsDir: string }> {
  await fs.mkdir(scratch, { recursive: true });
  const modelsDir = await fs.mkdtemp(path.join(scratch, 'studio-models-'));
  for (const model of models) {
    const dir = model.id.startsWith('fixture-') ? path.join(modelsDir, 'fixtures', model.id) : path.join(modelsDir, model.id);
    await fs.mkdir(dir, { recursive: true });
    for (const file of ['manifest.json', ...Object.keys(model.manifest.files)]) {
      await fs.link(path.join(model.dir, file), path.join(dir, file)).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EXDEV') throw error;
        await fs.copyFile(path.join(model.dir, file), path.join(dir, file));
      });
    }
  }
  const { child, url } = await startBrowserHost(root, { LATENT_STUDIO_MODELS_DIR: modelsDir });
  return { child, url, modelsDir };
}
