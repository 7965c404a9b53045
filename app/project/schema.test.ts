import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { latentState } from '../state/latent-state';
import { explicitLatent } from '../state/explicit-latent';
import { CURRENT_PROJECT_FORMAT, migrateProject, ProjectError, type ProjectMigration } from './migrations';
import { checkProjectFitsModel, PROJECT_KIND, parseProject, parseProjectText, serializeProject, type Project } from './schema';

const SHA = 'a'.repeat(64);

/** A project with something in every part: mixing, an edit, classes, keyframes, a direction, map settings. */
function sampleProject(): Project {
  const state = latentState({
    seed: 42,
    psi: 0.7,
    cutoff: 4,
    mix: [{ seed: 7, rows: [0, 1] }],
    edits: [{ id: 'pca-1', name: 'Smile', space: 'w', vector: [0.6, 0.8], scale: 2, amount: 1.5, rows: [2, 5] }],
    classes: [{ index: 3, weight: 0.25 }],
  });
  return {
    kind: PROJECT_KIND,
    format: CURRENT_PROJECT_FORMAT,
    savedAt: '2025-01-02T03:04:05.000Z',
    model: { id: 'fixture-stylegan-tiny', name: 'Tiny', graphs: { 'mapping.onnx': SHA, 'synthesis.onnx': SHA } },
    latent: state,
    timeline: {
      keyframes: [
        { id: 'kf-1', state, duration: 2, easing: 'linear' },
        { id: 'kf-2', state: { ...state, seed: 43 }, duration: 1.5, easing: 'ease-in-out' },
      ],
      fps: 24,
      interpolation: 'w-cubic',
      loop: 'close',
    },
    directions: [{ id: 'pca-1', name: 'Smile', source: 'pca', space: 'w', vector: [0.6, 0.8], scale: 2, rows: [2, 5], note: 'PC 1' }],
    map: { open: true, count: 2000, projection: 'umap', local: false, colouring: { by: 'direction', id: 'pca-1' } },
  };
}

function errorOf(run: () => unknown): ProjectError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProjectError);
    return error as ProjectError;
  }
  throw new Error('expected a ProjectError');
}

describe('project files', () => {
  it('round-trips the whole studio state through its text', () => {
    const project = sampleProject();
    const text = serializeProject(project);
    expect(parseProjectText(text)).toEqual(project);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('refuses a file from a newer studio, saying to update', () => {
    const future = { ...sampleProject(), format: CURRENT_PROJECT_FORMAT + 98 };
    const error = errorOf(() => parseProject(future, 'future.latent.json'));
    expect(error.message).toContain('future.latent.json was saved by a newer Latent Studio');
    expect(error.message).toContain(`format ${CURRENT_PROJECT_FORMAT + 98}`);
    expect(error.message).toMatch(/update Latent Studio to open it$/);
  });

  it.each([
    ['not JSON', '{"kind":', /is not JSON/],
    ['empty', '', /is empty/],
    ['an array', '[]', /holds no JSON object/],
    ['no format', '{"kind":"latent-studio-project"}', /no valid "format"/],
    ['format 0', '{"format":0}', /no valid "format"/],
  ])('refuses %s with a typed error', (_what, text, message) => {
    expect(errorOf(() => parseProjectText(text)).message).toMatch(message);
  });

  it('names the damaged field', () => {
    const bad = structuredClone(sampleProject()) as any;
    bad.timeline.keyframes[1].duration = -1;
    expect(errorOf(() => parseProject(bad)).message).toMatch(/"timeline\.keyframes\.1\.duration"/);
    const foreign = { ...sampleProject(), kind: 'something-else' };
    expect(errorOf(() => parseProject(foreign)).message).toMatch(/"kind"/);
  });
});

describe('a project against the model it opens with', () => {
  const stylegan = { id: 'fixture-stylegan-tiny', family: 'stylegan', num_ws: 8, w_dim: 2, z_dim: 4 } as const;
  const biggan = { id: 'fixture-biggan-tiny', family: 'conditional', num_ws: 0, w_dim: 0, z_dim: 4 } as const;

  it('fits a model whose domain holds its ψ and cutoff', () => {
    expect(() => checkProjectFitsModel(sampleProject(), stylegan)).not.toThrow();
  });

  it("refuses a ψ or cutoff outside the model's domain, naming where it is", () => {
    const p = sampleProject();
    p.timeline.keyframes[1]!.state = { ...p.latent, psi: 2.5 };
    expect(errorOf(() => checkProjectFitsModel(p, stylegan)).message).toBe(
      'the project does not fit the model "fixture-stylegan-tiny": timeline.keyframes[1].state.psi must be in [-1, 2] for a stylegan model, got 2.5; correct it in the project file, then open it again',
    );
    expect(errorOf(() => checkProjectFitsModel({ ...sampleProject(), latent: { ...p.latent, cutoff: 9 } }, stylegan)).message).toMatch(/latent\.cutoff must be at most num_ws = 8/);
    const forBiggan = { ...sampleProject(), timeline: { ...p.timeline, keyframes: [] } };
    expect(errorOf(() => checkProjectFitsModel({ ...forBiggan, latent: { ...p.latent, cutoff: null, psi: 0 } }, biggan)).message).toMatch(/latent\.psi must be in \(0, 1\]/);
  });
});

describe('explicit latents in a project', () => {
  // Values that are float32 but not short decimals, and one that is not a float32 until rounded.
  const ws = explicitLatent('ws', [8, 2], Array.from({ length: 16 }, (_, i) => Math.fround(Math.sin(i + 1) * 3.3)), 'inverted from cat.png');
  const z = explicitLatent('z', [4], [0.1, -2.5, Math.PI, 1e-30], 'z.npy');
  const stylegan = { id: 'fixture-stylegan-tiny', family: 'stylegan', num_ws: 8, w_dim: 2, z_dim: 4 } as const;

  function withExplicit(): Project {
    const p = sampleProject();
    p.latent = { ...p.latent, explicit: ws, mix: [{ seed: 7, rows: [0], kept: { label: 'Keyframe 2', state: latentState({ explicit: z }) } }] };
    p.timeline.keyframes[0]!.state = { ...p.timeline.keyframes[0]!.state, explicit: ws };
    return p;
  }

  it('round-trips the explicit main latent, a kept source and a keyframe exactly', () => {
    const project = withExplicit();
    const back = parseProjectText(serializeProject(project));
    expect(back).toEqual(project);
    expect(back.latent.explicit!.data).toEqual(ws.data);
    expect(back.latent.mix[0]!.kept!.state.explicit).toEqual(z);
    expect(back.timeline.keyframes[0]!.state.explicit!.origin).toBe('inverted from cat.png');
    expect(back.timeline.keyframes[1]!.state.explicit).toBeUndefined();
    expect(() => checkProjectFitsModel(back, stylegan)).not.toThrow();
  });

  it('reads a project without explicit latents as seed → z, with no explicit key at all', () => {
    const back = parseProjectText(serializeProject(sampleProject()));
    expect('explicit' in back.latent).toBe(false);
  });

  it('refuses an explicit latent whose values do not fill its shape, naming the field', () => {
    const bad = structuredClone(withExplicit()) as any;
    bad.latent.explicit.data.pop();
    expect(errorOf(() => parseProject(bad)).message).toMatch(/"latent\.explicit\.data".*shape \[8, 2\] needs 16 values, not 15/);
  });

  it("refuses an explicit latent that does not fit the model's shapes, naming both", () => {
    const wider = { ...stylegan, w_dim: 3 };
    expect(errorOf(() => checkProjectFitsModel(withExplicit(), wider)).message).toMatch(
      /^the project does not fit the model "fixture-stylegan-tiny": latent: the explicit ws \(inverted from cat\.png\) has shape \[8, 2\], but model "fixture-stylegan-tiny" takes ws \[8, 3\]/,
    );
    const p = withExplicit();
    delete p.latent.explicit;
    expect(errorOf(() => checkProjectFitsModel(p, { ...stylegan, z_dim: 5 })).message).toMatch(/latent: mixing source "Keyframe 2": the explicit z \(z\.npy\) has shape \[4\], but .* takes z \[5\]/);
  });
});

describe('project migrations', () => {
  // A made-up history: format 1 kept ψ as "truncation"; format 2 renamed it; format 3 added "tags".
  const steps: ProjectMigration[] = [
    {
      from: 1,
      migrate: ({ truncation, ...rest }) => ({ ...rest, format: 2, psi: truncation }),
    },
    { from: 2, migrate: (doc) => ({ ...doc, format: 3, tags: [] }) },
  ];

  it('applies every step from the file format to the current one, in order', () => {
    expect(migrateProject({ format: 1, truncation: 0.5 }, 'p', steps, 3)).toEqual({ format: 3, psi: 0.5, tags: [] });
    expect(migrateProject({ format: 2, psi: 0.7 }, 'p', steps, 3)).toEqual({ format: 3, psi: 0.7, tags: [] });
    expect(migrateProject({ format: 3, psi: 1, tags: ['x'] }, 'p', steps, 3)).toEqual({ format: 3, psi: 1, tags: ['x'] });
  });

  it('turns a missing or failing step into a ProjectError', () => {
    expect(errorOf(() => migrateProject({ format: 1 }, 'p', steps.slice(1), 3)).message).toMatch(/format 1, which this studio cannot convert/);
    const throwing: ProjectMigration[] = [{ from: 1, migrate: () => { throw new TypeError('boom'); } }];
    expect(errorOf(() => migrateProject({ format: 1 }, 'p', throwing, 2)).message).toMatch(/could not be converted \(boom\)/);
    const wrong: ProjectMigration[] = [{ from: 1, migrate: (doc) => ({ ...doc, format: 5 }) }];
    expect(errorOf(() => migrateProject({ format: 1 }, 'p', wrong, 2)).message).toMatch(/did not give format 2/);
  });
});

describe('project parser under malformed input (property)', () => {
  const onlyProjectError = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      if (!(error instanceof ProjectError)) throw error;
    }
  };

  it('throws nothing but ProjectError for any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => onlyProjectError(() => parseProject(value))), { numRuns: 500 });
  });

  it('throws nothing but ProjectError for any text, or any cut of a real file', () => {
    const text = serializeProject(sampleProject());
    fc.assert(fc.property(fc.string(), (s) => onlyProjectError(() => parseProjectText(s))), { numRuns: 300 });
    fc.assert(fc.property(fc.nat(text.length), (n) => onlyProjectError(() => parseProjectText(text.slice(0, n)))), { numRuns: 300 });
  });

  it('throws nothing but ProjectError when any field of a real project is replaced', () => {
    const paths: (string | number)[][] = [];
    const walk = (value: unknown, at: (string | number)[]) => {
      paths.push(at);
      if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...at, Array.isArray(value) ? Number(k) : k]);
    };
    walk(sampleProject(), []);
    const replacement = fc.oneof(fc.jsonValue(), fc.constantFrom(undefined, NaN, Infinity, -0, 2 ** 53, '__proto__'));
    fc.assert(
      fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), replacement, (at, value) => {
        const doc = structuredClone(sampleProject()) as any;
        let parent = doc;
        for (const key of at.slice(0, -1)) parent = parent[key];
        parent[at[at.length - 1]!] = value;
        onlyProjectError(() => parseProject(doc));
      }),
      { numRuns: 1000 },
    );
  });
});
