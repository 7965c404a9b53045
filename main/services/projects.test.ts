/**
 * Projects on disk: saving where the host decides, the recent list as the only way to name a path,
 * future-version files refused, autosave offered back only after an unclean exit, atomic writes.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CURRENT_PROJECT_FORMAT, PROJECT_KIND, ProjectError, type Project } from '../../app/project/schema';
import { DEFAULT_TIMELINE } from '../../app/state/timeline';
import { latentState } from '../../app/state/latent-state';
import { writeFileAtomic } from './atomic';
import { projectFileName, ProjectStore, ProjectStoreError } from './projects';

let dataDir: string;
let store: ProjectStore;

function project(seed = 3): Project {
  return {
    kind: PROJECT_KIND,
    format: CURRENT_PROJECT_FORMAT,
    savedAt: new Date(0).toISOString(),
    model: { id: 'fixture-stylegan-tiny', name: 'Tiny', graphs: {} },
    latent: latentState({ seed }),
    timeline: { ...DEFAULT_TIMELINE, keyframes: [] },
    directions: [],
    map: null,
  };
}

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'latent-projects-'));
  store = new ProjectStore({ dataDir });
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('saving and opening (browser host: no dialog, no foreign paths)', () => {
  it('saves into the data folder under the name, keeps the recent list, and opens it back', async () => {
    const first = await store.save({ project: project(1), name: 'Smiles: take/2', path: null, saveAs: false });
    expect(first).toEqual({ saved: true, path: path.join(dataDir, 'projects', 'Smiles take 2.latent.json'), name: 'Smiles: take/2' });
    const again = await store.save({ project: project(2), name: 'Smiles: take/2', path: first.path, saveAs: false });
    expect(again.path).toBe(first.path);
    const copy = await store.save({ project: project(3), name: 'Smiles: take/2', path: first.path, saveAs: true });
    expect(copy.path).toBe(path.join(dataDir, 'projects', 'Smiles take 2 (2).latent.json'));
    expect((await store.recent()).map((r) => r.path)).toEqual([copy.path, first.path]);
    const opened = await store.open(first.path!);
    expect(opened.project.latent.seed).toBe(2);
    expect(opened.name).toBe('Smiles take 2');
  });

  it('refuses to write to or read from a path the studio did not choose', async () => {
    const elsewhere = path.join(dataDir, '..', `outside-${path.basename(dataDir)}.latent.json`);
    await expect(store.save({ project: project(), name: 'x', path: elsewhere, saveAs: false })).rejects.toThrow(ProjectStoreError);
    expect(existsSync(elsewhere)).toBe(false);
    writeFileSync(elsewhere, JSON.stringify(project()));
    try {
      await expect(store.open(elsewhere)).rejects.toThrow(/is not one of this studio's projects/);
      // Electron opens what the user dropped or picked.
      const desktop = new ProjectStore({ dataDir, openAnyPath: true });
      expect((await desktop.open(elsewhere)).project.latent.seed).toBe(3);
    } finally {
      rmSync(elsewhere);
    }
  });

  it('asks the host where to save when it has a dialog, and does nothing when cancelled', async () => {
    const chosen = path.join(dataDir, 'chosen', 'piece.latent.json');
    await fs.mkdir(path.dirname(chosen));
    const answers = [null, chosen];
    const asked: string[] = [];
    const desktop = new ProjectStore({ dataDir, chooseSavePath: async (name) => (asked.push(name), answers.shift()!) });
    expect(await desktop.save({ project: project(), name: 'Piece', path: null, saveAs: false })).toEqual({ saved: false, path: null, name: 'Piece' });
    expect(await desktop.save({ project: project(), name: 'Piece', path: null, saveAs: false })).toMatchObject({ saved: true, path: chosen });
    expect(asked).toEqual(['Piece.latent.json', 'Piece.latent.json']);
    expect(JSON.parse(readFileSync(chosen, 'utf8')).latent.seed).toBe(3);
  });

  it('refuses a project from a newer studio with a message saying to update', async () => {
    const file = path.join(dataDir, 'projects', 'future.latent.json');
    await fs.mkdir(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ ...project(), format: 99 }));
    await expect(store.open(file)).rejects.toThrow(ProjectError);
    await expect(store.open(file)).rejects.toThrow(/future\.latent\.json was saved by a newer Latent Studio \(project format 99/);
  });

  it('makes file names without separators or reserved characters', () => {
    expect(projectFileName('../../etc/passwd')).toBe('etc passwd.latent.json');
    expect(projectFileName('  ')).toBe('Untitled.latent.json');
    expect(projectFileName('a<b>c')).toBe('a b c.latent.json');
  });
});

describe('autosave and crash recovery', () => {
  it('offers the autosave only when it is newer than the last clean exit', async () => {
    expect(await store.recover()).toBeNull();
    await store.autosave(project(11), null);
    // No clean exit recorded: the last session crashed.
    expect((await store.recover())?.project.latent.seed).toBe(11);
    await new Promise((r) => setTimeout(r, 5));
    await store.markCleanExit();
    expect(await store.recover()).toBeNull();
    await new Promise((r) => setTimeout(r, 5));
    await store.autosave(project(12), '/somewhere/p.latent.json');
    expect(await store.recover()).toMatchObject({ path: '/somewhere/p.latent.json', project: { latent: { seed: 12 } } });
    await store.discardAutosave();
    expect(await store.recover()).toBeNull();
  });

  it('sets a damaged autosave aside and says so', async () => {
    writeFileSync(path.join(dataDir, 'autosave.json'), '{"savedAt": "x", "path": null, "project": {"format": 1}}');
    await expect(store.recover()).rejects.toThrow(/could not be restored .* set aside as autosave\.damaged\.json/);
    expect(readdirSync(dataDir).sort()).toEqual(['autosave.damaged.json']);
    expect(await store.recover()).toBeNull();
  });

  it('starts a damaged recent list afresh', async () => {
    writeFileSync(path.join(dataDir, 'recent.json'), 'not json');
    expect(await store.recent()).toEqual([]);
    const saved = await store.save({ project: project(), name: 'p', path: null, saveAs: false });
    expect((await store.recent()).map((r) => r.path)).toEqual([saved.path]);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temporary files', async () => {
    const file = path.join(dataDir, 'sub', 'x.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(readdirSync(path.dirname(file))).toEqual(['x.json']);
  });

  it('keeps the old file when the write cannot complete', async () => {
    const file = path.join(dataDir, 'target');
    await fs.mkdir(path.join(file, 'occupied'), { recursive: true });
    await expect(writeFileAtomic(file, 'new')).rejects.toThrow();
    expect(readdirSync(dataDir)).toEqual(['target']);
    expect(readdirSync(file)).toEqual(['occupied']);
  });
});
