import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { safeSegments, resolveAsset } from './assets';
import { ModelLibrary } from './library';

const models = path.resolve(__dirname, '../../models');

describe('safeSegments', () => {
  it.each([
    '/../etc/passwd',
    '/models/%2e%2e/%2e%2e/package.json',
    '/models/x/..%2f..%2fpackage.json',
    '/models/x/..%5c..%5cpackage.json',
    '/assets/%2E%2E/secret',
    '/a/%00b',
    '/a/%zz',
    '/a//b',
    '/C:%5cWindows',
    '/./index.html',
  ])('refuses %s', (p) => expect(safeSegments(p)).toBeNull());

  it('decodes ordinary paths', () => {
    expect(safeSegments('/')).toEqual([]);
    expect(safeSegments('/assets/index-1.js')).toEqual(['assets', 'index-1.js']);
    expect(safeSegments('/models/my%20model/')).toEqual(['models', 'my model']);
    // Double encoding decodes once: "%2e%2e" is then a literal file name, not a parent reference.
    expect(safeSegments('/a/%252e%252e')).toEqual(['a', '%2e%2e']);
  });
});

describe('resolveAsset', () => {
  it('serves only files a manifest lists, inside the renderer folder otherwise', async () => {
    const library = new ModelLibrary({ bundledDir: models, includeFixtures: true });
    await library.scan();
    const renderer = path.resolve(__dirname, '../../dist/renderer');
    expect(resolveAsset('/', renderer, library)).toMatchObject({ kind: 'file', path: path.join(renderer, 'index.html') });
    const onnx = resolveAsset('/models/fixture-stylegan-tiny/mapping.onnx', renderer, library);
    expect(onnx).toMatchObject({ kind: 'file', mime: 'application/octet-stream' });
    expect(resolveAsset('/models/fixture-stylegan-tiny/manifest.json', renderer, library).kind).toBe('not-found');
    expect(resolveAsset('/models/fixture-stylegan-tiny/%2e%2e%2fREADME.md', renderer, library).kind).toBe('forbidden');
    expect(resolveAsset('/models/nope/mapping.onnx', renderer, library).kind).toBe('not-found');
    expect(resolveAsset('/%2e%2e/package.json', renderer, library).kind).toBe('forbidden');
  });
});
