/**
 * Provenance records: what they hold, that they survive JSON and PNG unchanged, and that anything
 * malformed — text, JSON, records with a key broken, PNG bytes — fails with ProvenanceError only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseManifest, type Manifest } from '../model/manifest';
import { latentState, type LatentState } from '../state/latent-state';
import { explicitLatent } from '../state/explicit-latent';
import { MAX_LATENT_VALUES } from '../codecs/limits';
import { float32ToBase64 } from '../codecs/float32-base64';
import { encodePng, PROVENANCE_KEYWORD } from '../codecs/png';
import { buildProvenance, modelSha256, parseProvenance, provenanceText, ProvenanceError, readProvenance, type Provenance } from './provenance';

const FIXTURE = path.resolve(__dirname, '../../models/fixtures/stylegan-tiny');
const manifest: Manifest = parseManifest(JSON.parse(readFileSync(path.join(FIXTURE, 'manifest.json'), 'utf8')));
/** The manifest's own entry for the synthesis graph (the record's model.sha256, by definition). */
const SYNTHESIS_SHA = manifest.files['synthesis.onnx']!.sha256;

const state: LatentState = latentState({
  seed: 42,
  psi: 0.7,
  cutoff: 4,
  mix: [{ seed: 7, rows: [0, 1, 2, 3] }],
  edits: [{ id: 'pc0', name: 'PC 1', space: 'w', vector: [0.5, -0.25], scale: 2, amount: 1.5, rows: [2, 5] }],
});
const z = Float32Array.from({ length: 64 }, (_, i) => Math.fround(Math.sin(i) * 1.7));
const ws = Float32Array.from({ length: 8 * 64 }, (_, i) => Math.fround(Math.cos(i) / 3));

function record(fields: Partial<Parameters<typeof buildProvenance>[0]> = {}): Provenance {
  return buildProvenance({ manifest, state, z, ws, image: { width: 64, height: 64, scale: 2, filter: 'nearest' }, software: 'Latent Studio test', ...fields });
}

/** Only ProvenanceError may escape `run`. */
function onlyProvenanceErrors(run: () => unknown): boolean {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ProvenanceError)) throw error;
  }
  return true;
}

describe('provenance record', () => {
  it('holds the required keys: model id and synthesis sha256, family, seed, z, ws rows, psi, cutoff, mix, edits, class', () => {
    const r = record();
    expect(r.format).toBe(1);
    expect(r.model).toEqual({ id: 'fixture-stylegan-tiny', name: manifest.name, sha256: SYNTHESIS_SHA });
    expect(modelSha256(manifest)).toBe(SYNTHESIS_SHA);
    expect(r.family).toBe('stylegan');
    expect(r.seed).toBe(42);
    expect(r.z).toHaveLength(64);
    expect(r.z[3]).toBe(Math.fround(Math.sin(3) * 1.7));
    expect(r.ws).toHaveLength(8);
    expect(r.ws![2]).toHaveLength(64);
    expect(r.ws![2]![5]).toBe(Math.fround(Math.cos(2 * 64 + 5) / 3));
    expect([r.psi, r.cutoff]).toEqual([0.7, 4]);
    expect(r.mix).toEqual([{ seed: 7, rows: [0, 1, 2, 3] }]);
    // The summary leaves the vector to `state.edits`.
    expect(r.edits).toEqual([{ id: 'pc0', name: 'PC 1', space: 'w', amount: 1.5, scale: 2, rows: [2, 5] }]);
    expect(r.class).toEqual([]);
    expect(r.noise_mode).toBe('const');
    expect(r.image).toEqual({ width: 64, height: 64, scale: 2, filter: 'nearest' });
    expect(r.state).toEqual(state);
  });

  it('stores ws as null for families without W', () => {
    expect(record({ ws: null }).ws).toBeNull();
  });

  it('round-trips through JSON and through a PNG iTXt chunk unchanged, float32 values exactly', () => {
    const r = record();
    expect(parseProvenance(provenanceText(r))).toEqual(r);
    const png = encodePng(new Uint8Array(4 * 4 * 4).fill(200), 4, 4, { text: { [PROVENANCE_KEYWORD]: provenanceText(r) } });
    const back = readProvenance(png);
    expect(back).toEqual(r);
    expect(Float32Array.from(back.z)).toEqual(z);
  });

  it('round-trips any latent state', () => {
    const seed = fc.integer({ min: 0, max: 0xffffffff });
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
    const states = fc.record({
      seed,
      psi: finite,
      cutoff: fc.option(fc.nat(20), { nil: null }),
      mix: fc.array(fc.record({ seed, rows: fc.array(fc.nat(17)) }), { maxLength: 3 }),
      edits: fc.array(
        fc.record({
          id: fc.string(),
          name: fc.string(),
          space: fc.constantFrom('w' as const, 'z' as const),
          vector: fc.array(finite, { maxLength: 8 }),
          scale: finite,
          amount: finite,
          rows: fc.option(fc.tuple(fc.nat(17), fc.nat(17)), { nil: null }),
        }),
        { maxLength: 3 },
      ),
      classes: fc.array(fc.record({ index: fc.nat(999), weight: finite }), { maxLength: 3 }),
      noise: fc.record({ mode: fc.constantFrom('const' as const, 'random' as const, 'none' as const), seed, strength: finite }),
      transform: fc.record({ x: finite, y: finite, angle: finite }),
    });
    fc.assert(
      fc.property(states, (s) => {
        const r = record({ state: s });
        // -0 becomes 0 in JSON; the record is equal up to that.
        expect(parseProvenance(provenanceText(r))).toEqual(JSON.parse(JSON.stringify(r)));
      }),
    );
  });

  it('names the bad field and refuses newer formats', () => {
    const r = JSON.parse(provenanceText(record()));
    r.state.psi = 'high';
    expect(() => parseProvenance(JSON.stringify(r))).toThrow(/"state\.psi"/);
    expect(() => parseProvenance(JSON.stringify({ ...record(), format: 2 }))).toThrow(/format 2, newer than this studio reads/);
    expect(() => parseProvenance(JSON.stringify({ ...record(), ws: [[1, 2], [3]] }))).toThrow(/ws rows differ in length/);
    expect(() => readProvenance(encodePng(new Uint8Array(16).fill(1), 2, 2))).toThrow(/carries no Latent Studio record/);
  });

  it('throws only ProvenanceError on arbitrary text and arbitrary JSON', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => onlyProvenanceErrors(() => parseProvenance(text))));
    fc.assert(fc.property(fc.json(), (text) => onlyProvenanceErrors(() => parseProvenance(text))));
    expect(() => parseProvenance('[]')).toThrow(ProvenanceError);
  });

  it('throws only ProvenanceError when one key of a valid record is removed or replaced by any JSON value', () => {
    const valid = JSON.parse(provenanceText(record()));
    /** Every path to a value in the record, e.g. ['state', 'mix', 0, 'seed']. */
    const paths: (string | number)[][] = [];
    const walk = (value: unknown, at: (string | number)[]) => {
      if (at.length > 0) paths.push(at);
      if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...at, Array.isArray(value) ? Number(k) : k]);
    };
    walk(valid, []);
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.option(fc.jsonValue(), { nil: undefined }), (at, replacement) => {
        const broken = structuredClone(valid);
        let parent = broken;
        for (const key of at.slice(0, -1)) parent = parent[key];
        const last = at[at.length - 1]!;
        if (replacement === undefined) delete parent[last];
        else parent[last] = replacement;
        return onlyProvenanceErrors(() => parseProvenance(JSON.stringify(broken)));
      }),
      { numRuns: 500 },
    );
  });

  it('throws only ProvenanceError on arbitrary bytes and on damaged PNGs', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => onlyProvenanceErrors(() => readProvenance(bytes))));
    const png = encodePng(new Uint8Array(4 * 4 * 4).fill(90), 4, 4, { text: { [PROVENANCE_KEYWORD]: provenanceText(record()) } });
    fc.assert(
      fc.property(fc.nat(png.length - 1), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const damaged = png.slice();
        damaged[at]! ^= flip;
        return onlyProvenanceErrors(() => readProvenance(damaged));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a kept-latent mixing source through JSON, and still reads sources written without one', () => {
    const kept = latentState({ seed: 99, psi: 0.3, mix: [{ seed: 4, rows: [5] }] });
    const withKept = record({ state: { ...state, mix: [{ seed: 99, rows: [1, 2], kept: { label: 'Keyframe 3', state: kept } }] } });
    const back = parseProvenance(provenanceText(withKept));
    expect(back.state.mix[0]?.kept?.label).toBe('Keyframe 3');
    expect(back.state.mix[0]?.kept?.state.psi).toBe(0.3);
    expect(back.state.mix[0]?.kept?.state.mix).toEqual([{ seed: 4, rows: [5] }]);
    expect(parseProvenance(provenanceText(record())).state.mix).toEqual([{ seed: 7, rows: [0, 1, 2, 3] }]);
  });

  describe('explicit latents', () => {
    // Every float32 bit pattern class a latent can hold: subnormal, negative zero, large, tiny, odd mantissas.
    const values = Array.from({ length: 8 * 64 }, (_, i) => Math.fround(Math.tan(i * 0.37) * 10 ** ((i % 9) - 4)));
    values[0] = -0;
    values[1] = 1.401298464324817e-45;
    values[2] = 3.4028234663852886e38;
    const explicit = explicitLatent('ws', [8, 64], values, 'inverted from cat.png');
    const keptZ = explicitLatent('z', [64], Array.from(z), 'z.npy');
    const withExplicit = latentState({ ...state, explicit, mix: [{ seed: 7, rows: [0], kept: { label: 'Keyframe 1', state: latentState({ explicit: keptZ }) } }] });

    it('stores them as base64 float32 and reads them back bit for bit, through a PNG', () => {
      const text = provenanceText(record({ state: withExplicit }));
      const json = JSON.parse(text);
      expect(json.state.explicit).toEqual({ space: 'ws', shape: [8, 64], origin: 'inverted from cat.png', float32: expect.stringMatching(/^[A-Za-z0-9+/]+={0,2}$/) });
      expect(json.state.explicit.float32).toHaveLength(4 * Math.ceil((8 * 64 * 4) / 3));
      expect(json.state.mix[0].kept.state.explicit.float32).toBeTypeOf('string');
      const png = encodePng(new Uint8Array(4 * 4 * 4).fill(200), 4, 4, { text: { [PROVENANCE_KEYWORD]: text } });
      const back = readProvenance(png).state;
      const bits = (a: number[]) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
      expect(bits(back.explicit!.data)).toEqual(bits(values));
      expect(Object.is(back.explicit!.data[0], -0)).toBe(true);
      expect(back.explicit).toEqual(explicit);
      expect(back.mix[0]!.kept!.state.explicit).toEqual(keptZ);
      expect(back).toEqual(withExplicit);
    });

    it('refuses damaged base64 or a value count that does not fill the shape, naming the field', () => {
      const json = JSON.parse(provenanceText(record({ state: withExplicit })));
      json.state.explicit.float32 = float32ToBase64(values.slice(0, 510));
      expect(() => parseProvenance(JSON.stringify(json))).toThrow(/"state\.explicit\.float32".*needs 512 values, not 510/);
      json.state.explicit.float32 = 'not*base64';
      expect(() => parseProvenance(JSON.stringify(json))).toThrow(/"state\.explicit\.float32": is not padded base64/);
      json.state.explicit.float32 = 'A'.repeat(Math.ceil((MAX_LATENT_VALUES * 4) / 3) + 8);
      expect(() => parseProvenance(JSON.stringify(json))).toThrow(ProvenanceError);
    });
  });
});
