/**
 * Property tests: whatever a manifest.json holds, parseManifest throws nothing but ManifestError —
 * for arbitrary JSON, and for the fixture's manifest with any one field replaced by anything.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestError, parseManifest } from './manifest';

const fixture = JSON.parse(readFileSync(path.resolve(__dirname, '../../models/fixtures/stylegan-tiny/manifest.json'), 'utf8')) as unknown;

/** Run `parse`; any error other than ManifestError fails the property. Returns whether it threw. */
function onlyManifestError(input: unknown): boolean {
  try {
    parseManifest(input);
    return false;
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    return true;
  }
}

/** Every path into a JSON value (object keys and array indices). */
function paths(value: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) paths(v, [...at, Array.isArray(value) ? Number(k) : k], out);
  }
  return out;
}

const oddValues = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(undefined, NaN, Infinity, -Infinity, -0, 2 ** 53, -1, 0, '', '../x.onnx', '__proto__', 'constructor', { __proto__: null }),
);

describe('parseManifest under malformed input (property)', () => {
  it('throws nothing but ManifestError for any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => void onlyManifestError(value)), { numRuns: 500 });
  });

  it('throws nothing but ManifestError when any field of the fixture manifest is replaced or deleted', () => {
    const all = paths(fixture).filter((p) => p.length > 0);
    let refused = 0;
    fc.assert(
      fc.property(fc.constantFrom(...all), oddValues, fc.boolean(), (at, value, remove) => {
        const doc = structuredClone(fixture) as any;
        let parent = doc;
        for (const key of at.slice(0, -1)) parent = parent[key];
        const last = at[at.length - 1]!;
        if (remove) delete parent[last];
        else parent[last] = value;
        if (onlyManifestError(doc)) refused += 1;
      }),
      { numRuns: 1500 },
    );
    // The mutations must reach the validator's refusals, or the property proves nothing.
    expect(refused).toBeGreaterThan(100);
  });

  it('throws nothing but ManifestError for objects with hostile keys', () => {
    const keys = fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'files', 'graphs', 'mapping.onnx');
    fc.assert(
      fc.property(fc.dictionary(keys, oddValues), fc.dictionary(keys, oddValues), (graphs, files) => {
        const doc = structuredClone(fixture) as any;
        doc.graphs = graphs;
        doc.files = files;
        onlyManifestError(doc);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseManifest file names', () => {
  it.each(['../evil.onnx', 'sub/dir.onnx', '..', '.hidden', 'C:evil', 'a\\b.npz', ''])('refuses a package file named %j', (name) => {
    const doc = structuredClone(fixture) as any;
    doc.files[name] = { sha256: '0'.repeat(64), bytes: 1 };
    expect(() => parseManifest(doc)).toThrow(ManifestError);
    const side = structuredClone(fixture) as any;
    side.side_files.extra = name;
    expect(() => parseManifest(side)).toThrow(ManifestError);
  });

  it('refuses names that only exist on Object.prototype', () => {
    const doc = structuredClone(fixture) as any;
    doc.extra_inputs = [{ graph: 'constructor', name: 'x', label: 'X', min: 0, max: 1, default: 0 }];
    expect(() => parseManifest(doc)).toThrow(/names unknown graph "constructor"/);
  });
});
