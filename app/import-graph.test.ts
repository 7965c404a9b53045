/**
 * Keeps app/ stacked one way: no file imports itself round a loop, and no folder imports a folder
 * that imports it back (codecs → model → latent → state → control / audio → inference → inversion → jobs / records / export →
 * project → contract → runtime, with graph/, checkpoint/ and workshop/ on top of model/). A failure names the loop.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileGraph, findCycle, folderGraph, type Graph } from '../test-support/import-graph';

const APP = path.resolve(__dirname);
const graphOf = (edges: Record<string, string[]>): Graph => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));

describe('the import graph of app/', () => {
  it('finds a loop where there is one, and none in a layered graph', () => {
    expect(findCycle(graphOf({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(graphOf({ a: ['b', 'c'], b: ['c'], c: [] }))).toBeNull();
    expect(findCycle(graphOf({ a: ['a'] }))).toEqual(['a', 'a']);
  });

  it('sees the imports of the real tree, type-only ones included', () => {
    const files = fileGraph(APP);
    expect(files.get(path.join('jobs', 'registry.ts'))).toContain(path.join('jobs', 'context.ts'));
    expect(files.get(path.join('latent', 'sefa.ts'))).toContain(path.join('model', 'affine-weight.ts'));
    expect(folderGraph(files).get('latent')).toContain('model');
  });

  it('has no loop between files', () => {
    expect(findCycle(fileGraph(APP))).toBeNull();
  });

  it('has no loop between folders', () => {
    expect(findCycle(folderGraph(fileGraph(APP)))).toBeNull();
  });
});
