/**
 * Directions kept per model in the user data folder: where the folder is, round trips through the
 * host API (both hosts dispatch through it), atomic replacement, damaged files, refused payloads.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DirectionStore, DirectionStoreError, userDataDir } from './directions';
import { createApi, dispatch } from './api';
import { ModelLibrary } from './library';
import { ContractError } from '../../app/contract/channels';
import type { Direction } from '../../app/latent/directions';

const tmp = mkdtempSync(path.join(tmpdir(), 'directions-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function direction(id: string, name = id, vector = [0.6, 0.8]): Direction {
  return { id, name, source: 'pca', space: 'w', vector, scale: 1.5, rows: null, note: '' };
}

describe('userDataDir', () => {
  it('takes LATENT_STUDIO_DATA_DIR first, else the platform folder', () => {
    expect(userDataDir({ LATENT_STUDIO_DATA_DIR: '/data/ls' }, 'linux', '/home/a')).toBe('/data/ls');
    expect(userDataDir({}, 'linux', '/home/a')).toBe('/home/a/.config/latent-studio');
    expect(userDataDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/a')).toBe('/xdg/latent-studio');
    expect(userDataDir({}, 'darwin', '/Users/a')).toBe('/Users/a/Library/Application Support/latent-studio');
  });
});

describe('DirectionStore', () => {
  it('lists nothing for a model with no saved directions, then what was saved, in order', async () => {
    const store = new DirectionStore(path.join(tmp, 'a'));
    expect(await store.list('model-1')).toEqual([]);
    const saved = [direction('b', 'smile', [0.123456789, -1e-8]), direction('a', 'age')];
    await store.save('model-1', saved);
    expect(await store.list('model-1')).toEqual(saved);
    expect(await store.list('model-2')).toEqual([]);
    const file = JSON.parse(readFileSync(path.join(tmp, 'a', 'directions', 'model-1.json'), 'utf8'));
    expect(file).toMatchObject({ format: 1, modelId: 'model-1' });
  });

  it('replaces the file atomically: the last of several saves wins and no temporary file is left', async () => {
    const store = new DirectionStore(path.join(tmp, 'b'));
    await Promise.all([1, 2, 3, 4].map((n) => store.save('m', Array.from({ length: n }, (_, i) => direction(`d${i}`)))));
    expect((await store.list('m')).map((d) => d.id)).toEqual(['d0', 'd1', 'd2', 'd3']);
    expect(readdirSync(path.join(tmp, 'b', 'directions'))).toEqual(['m.json']);
  });

  it('says which file is damaged and what to do', async () => {
    const dir = path.join(tmp, 'c');
    mkdirSync(path.join(dir, 'directions'), { recursive: true });
    writeFileSync(path.join(dir, 'directions', 'm.json'), '{"format": 1, "modelId": "m", "directions": [{"id": 3}]}');
    const store = new DirectionStore(dir);
    await expect(store.list('m')).rejects.toThrow(DirectionStoreError);
    await expect(store.list('m')).rejects.toThrow(/m\.json\) are damaged.*move that file away/);
    writeFileSync(path.join(dir, 'directions', 'm.json'), '{not json');
    await expect(store.list('m')).rejects.toThrow(/damaged/);
    expect(() => store.fileOf('../escape')).toThrow(/not a model id/);
  });
});

describe('directions through the host API', () => {
  const library = new ModelLibrary({ bundledDir: path.join(tmp, 'no-models') });
  const api = createApi(library, { name: 'Latent Studio', version: '0', host: 'web' }, new DirectionStore(path.join(tmp, 'api')));

  it('saves and lists by model id', async () => {
    const list = [direction('x', 'width', [1, 0, 0])];
    expect(await dispatch(api, 'saveDirections', { modelId: 'emoji-stylegan', directions: list })).toEqual({ saved: 1 });
    expect(await dispatch(api, 'listDirections', { modelId: 'emoji-stylegan' })).toEqual({ directions: list });
  });

  it('refuses ids that are not model ids and malformed directions', async () => {
    await expect(dispatch(api, 'listDirections', { modelId: '../../etc' })).rejects.toThrow(ContractError);
    await expect(dispatch(api, 'saveDirections', { modelId: 'm', directions: [{ ...direction('x'), vector: [] }] })).rejects.toThrow(/vector/);
    await expect(dispatch(api, 'saveDirections', { modelId: 'm', directions: [{ ...direction('x'), scale: 0 }] })).rejects.toThrow(/scale/);
    const tooMany = Array.from({ length: 129 }, (_, i) => direction(`d${i}`));
    await expect(dispatch(api, 'saveDirections', { modelId: 'm', directions: tooMany })).rejects.toThrow(ContractError);
  });

  it('uses LATENT_STUDIO_DATA_DIR when no store is given', async () => {
    const dir = path.join(tmp, 'env');
    const before = process.env.LATENT_STUDIO_DATA_DIR;
    process.env.LATENT_STUDIO_DATA_DIR = dir;
    try {
      const envApi = createApi(library, { name: 'Latent Studio', version: '0', host: 'web' });
      await dispatch(envApi, 'saveDirections', { modelId: 'm', directions: [direction('x')] });
      expect(readdirSync(path.join(dir, 'directions'))).toEqual(['m.json']);
    } finally {
      if (before === undefined) delete process.env.LATENT_STUDIO_DATA_DIR;
      else process.env.LATENT_STUDIO_DATA_DIR = before;
    }
  });
});
