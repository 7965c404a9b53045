/**
 * The model workshop's Blend dialog: the open model is parent A, the user picks parent B and, per
 * synthesis resolution and for the mapping network, how much of B to take (a slider) or a hard
 * swap to B; three small pictures of the current seed (A, the blend, B) follow the weights live,
 * and Save writes the blend into the library and opens it (app/workshop/blend.ts does the math).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ModelEntry } from '../../../app/contract/channels';
import { blendRows, checkBlendableManifests, type BlendWeights } from '../../../app/workshop/blend';
import { inference } from '../../inference/studio';
import { hostAuthHeaders } from '../../platform/host-token';
import type { ModelRef } from '../../inference/protocol';
import { saveBlend } from '../../library/model-library';
import { useStudio } from '../../store';

/** Wait this long after the last slider move before the preview is rebuilt. */
const PREVIEW_DEBOUNCE_MS = 120;

/** One row's setting: the share of B, and whether the row is swapped to B whole. */
interface Row {
  t: number;
  swap: boolean;
}

function ref(entry: ModelEntry): ModelRef {
  return { id: entry.id, baseUrl: entry.baseUrl, manifest: entry.manifest, headers: hostAuthHeaders() };
}

function weightsOf(rows: Record<string, Row>): BlendWeights {
  const t = (key: string) => (rows[key]!.swap ? 1 : rows[key]!.t);
  return { mapping: t('mapping'), synthesis: Object.fromEntries(Object.keys(rows).filter((k) => k !== 'mapping').map((k) => [k, t(k)])) };
}

function PreviewCanvas({ image, label, testId, renderedKey }: { image: ImageData | null; label: string; testId: string; renderedKey: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    if (!c || !image) return;
    c.width = image.width;
    c.height = image.height;
    c.getContext('2d')?.putImageData(image, 0, 0);
    c.dataset.renderedKey = renderedKey;
  }, [image, renderedKey]);
  return (
    <figure className="blend-figure">
      <canvas ref={canvas} className="blend-canvas" data-testid={testId} role="img" aria-label={label} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

function WeightRow({ id, label, row, onChange }: { id: string; label: string; row: Row; onChange: (row: Row) => void }) {
  return (
    <div className="blend-row" role="group" aria-label={label}>
      <span className="blend-row-label">{label}</span>
      <input
        type="range"
        min={0}
        max={1}
        step={0.01}
        value={row.swap ? 1 : row.t}
        disabled={row.swap}
        data-testid={`blend-weight-${id}`}
        aria-label={`${label}: share of model B`}
        onChange={(e) => onChange({ ...row, t: Number(e.target.value) })}
      />
      <output className="blend-row-value">{(row.swap ? 1 : row.t).toFixed(2)}</output>
      <label className="blend-swap">
        <input type="checkbox" checked={row.swap} data-testid={`blend-swap-${id}`} aria-label={`${label}: take it from model B whole`} onChange={(e) => onChange({ ...row, swap: e.target.checked })} />
        swap
      </label>
    </div>
  );
}

function Dialog({ a, onClose }: { a: ModelEntry; onClose: () => void }) {
  const models = useStudio((s) => s.models);
  const seed = useStudio((s) => s.latent.seed);
  const psi = useStudio((s) => s.latent.psi);
  const candidates = models.filter((m) => m.family === 'stylegan' && m.id !== a.id);
  const [bId, setBId] = useState(() => candidates.find((m) => m.manifest.lineage?.parents.some((p) => p.id === a.id))?.id ?? candidates[0]?.id ?? '');
  const b = candidates.find((m) => m.id === bId) ?? null;
  const resolutions = useMemo(() => blendRows(a.manifest), [a]);
  const [rows, setRows] = useState<Record<string, Row>>(() => Object.fromEntries(['mapping', ...resolutions.map(String)].map((k) => [k, { t: 0, swap: false }])));
  const [name, setName] = useState(`${a.name} × blend`);
  const [images, setImages] = useState<{ a: ImageData; b: ImageData; blend: ImageData; ms: number; key: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const weights = weightsOf(rows);
  const key = JSON.stringify({ b: bId, weights, seed, psi });

  const refusal = useMemo(() => {
    if (!b) return 'There is no other StyleGAN model to blend with: import one first.';
    try {
      checkBlendableManifests(a.manifest, b.manifest);
      return null;
    } catch (error) {
      return `${b.name} cannot be blended with ${a.name}: ${(error as Error).message}.`;
    }
  }, [a, b]);

  useEffect(() => {
    if (!b || refusal) return;
    const timer = setTimeout(() => {
      inference()
        .blendPreview({ a: ref(a), b: ref(b), weights, seed, psi })
        .then(
          (result) => {
            if (!result) return;
            setImages({ ...result, key });
            setProblem(null);
          },
          (error: unknown) => setProblem(`The preview failed: ${(error as Error).message}.`),
        );
    }, PREVIEW_DEBOUNCE_MS);
    return () => clearTimeout(timer);
    // `key` stands for b, weights, seed and ψ: the preview is asked again only when one of them changes.
  }, [key, refusal]);
  useEffect(() => () => inference().closeBlendPreview(), []);

  const save = async () => {
    if (!b) return;
    setSaving(true);
    const saved = await saveBlend({ a: a.id, b: b.id, name: name.trim(), weights });
    setSaving(false);
    if (saved) onClose();
  };

  return (
    <div className="dialog-backdrop">
      <form
        className="dialog blend-dialog"
        role="dialog"
        aria-label="Blend two models"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <h2>Blend {a.name}</h2>
        <label>
          Model B
          <select data-testid="blend-model-b" aria-label="Model B" value={bId} onChange={(e) => setBId(e.target.value)}>
            {candidates.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <p>0 keeps model A ({a.name}), 1 takes model B; swap takes a row from B whole. Seed {seed}.</p>
        <WeightRow id="mapping" label="Mapping" row={rows.mapping!} onChange={(row) => setRows({ ...rows, mapping: row })} />
        {resolutions.map((r) => (
          <WeightRow key={r} id={String(r)} label={`${r} px`} row={rows[String(r)]!} onChange={(row) => setRows({ ...rows, [String(r)]: row })} />
        ))}
        <div className="blend-previews" data-testid="blend-previews" data-key={key} data-rendered-key={images?.key ?? ''} data-ms={images ? images.ms.toFixed(0) : ''}>
          <PreviewCanvas image={images?.a ?? null} label={`A: ${a.name}`} testId="blend-preview-a" renderedKey={images?.key ?? ''} />
          <PreviewCanvas image={images?.blend ?? null} label="Blend" testId="blend-preview-blend" renderedKey={images?.key ?? ''} />
          <PreviewCanvas image={images?.b ?? null} label={`B: ${b?.name ?? '—'}`} testId="blend-preview-b" renderedKey={images?.key ?? ''} />
        </div>
        {images && <p>Blend rebuilt and rendered in {images.ms.toFixed(0)} ms.</p>}
        {(refusal ?? problem) && (
          <p role="alert" data-testid="blend-problem">
            {refusal ?? problem}
          </p>
        )}
        <label>
          Name
          <input data-testid="blend-name" aria-label="Name of the blended model" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
        </label>
        <div className="dialog-buttons">
          <button type="button" data-testid="blend-close" onClick={onClose}>
            Close
          </button>
          <button type="submit" data-testid="blend-save" disabled={saving || !b || refusal !== null || name.trim() === ''}>
            Save as new model
          </button>
        </div>
      </form>
    </div>
  );
}

/** The top bar's Blend button and its dialog (StyleGAN models only). */
export function BlendWorkshop() {
  const [open, setOpen] = useState(false);
  const current = useStudio((s) => s.models.find((m) => m.id === s.modelId) ?? null);
  const ready = useStudio((s) => s.modelStatus === 'ready');
  const usable = current?.family === 'stylegan';
  return (
    <>
      <button type="button" data-testid="blend-open" aria-label="Blend this model with another" disabled={!usable || !ready} onClick={() => setOpen(true)}>
        Blend…
      </button>
      {open && current && <Dialog a={current} onClose={() => setOpen(false)} />}
    </>
  );
}
