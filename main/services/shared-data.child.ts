/**
 * A second studio host in miniature, for shared-data.test.ts: run as its own process (bundled by
 * the test with esbuild), it makes `count` changes to a user data folder through the real
 * services while another copy of itself does the same, so lost updates between processes show.
 * Usage: node child.mjs <library|projects|counter> <dataDir> <prefix> <count> [bundledDir]
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CURRENT_PROJECT_FORMAT, PROJECT_KIND, type Project } from '../../app/project/schema';
import { DEFAULT_TIMELINE } from '../../app/state/timeline';
import { latentState } from '../../app/state/latent-state';
import { withFileLock } from './file-lock';
import { ModelLibrary } from './library';
import { ProjectStore } from './projects';

const [mode, dataDir, prefix, countText, bundledDir] = process.argv.slice(2);
const count = Number(countText);

async function main(): Promise<void> {
  if (!dataDir || !prefix || !Number.isInteger(count)) throw new Error('usage: <mode> <dataDir> <prefix> <count> [bundledDir]');
  if (mode === 'library') {
    // Each id's folder exists already (the test made it); this records it in library.json, as an import does.
    const library = new ModelLibrary({ bundledDir: bundledDir!, dataDir });
    await library.scan();
    for (let i = 0; i < count; i++) {
      const id = `${prefix}-${i}`;
      const manifest = JSON.parse(await fs.readFile(path.join(dataDir, 'models', id, 'manifest.json'), 'utf8')) as { files: Record<string, { sha256: string; bytes: number }> };
      await library.addImported(id, { name: id, importedAt: new Date().toISOString(), origin: `${prefix} import ${i}`, files: manifest.files });
    }
  } else if (mode === 'projects') {
    const store = new ProjectStore({ dataDir });
    for (let i = 0; i < count; i++) {
      const project: Project = {
        kind: PROJECT_KIND,
        format: CURRENT_PROJECT_FORMAT,
        savedAt: new Date().toISOString(),
        model: { id: 'fixture-stylegan-tiny', name: 'Tiny', graphs: {} },
        latent: latentState({ seed: i }),
        timeline: { ...DEFAULT_TIMELINE, keyframes: [] },
        directions: [],
        map: null,
      };
      // Every save by both processes asks for the same name, as two browser tabs saving "Untitled" would.
      const saved = await store.save({ project, name: 'Untitled', path: null, saveAs: false });
      await fs.appendFile(path.join(dataDir, `${prefix}.saved`), `${saved.path}\t${i}\n`);
    }
  } else if (mode === 'counter') {
    const file = path.join(dataDir, 'counter.json');
    for (let i = 0; i < count; i++) {
      await withFileLock(`${file}.lock`, async () => {
        const value = await fs.readFile(file, 'utf8').then((t) => (JSON.parse(t) as { n: number }).n, () => 0);
        await fs.writeFile(file, JSON.stringify({ n: value + 1 }));
      });
    }
  } else {
    throw new Error(`unknown mode "${mode}"`);
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).stack ?? error);
  process.exit(1);
});
