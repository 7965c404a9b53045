/**
 * *Invert…*: put the user's own picture into the latent space. The button opens a dialog that
 * takes a file (chooser or drop), shows the crop box, and runs the worker's 'invert' job
 * (app/jobs/inversion-jobs.ts) with live progress: target, current best and their difference side
 * by side, and the loss curve. The main latent is left alone while the search runs (the result has
 * its own canvas, so the studio's preview and undo history do not churn every generation); *Keep*
 * makes the best ws the main latent, as an explicit latent, and adds it as a timeline keyframe.
 * StyleGAN packages only: other families have no W to search, and the button says so.
 */
import { useEffect, useRef, useState, type DragEvent } from 'react';
import { explicitLatent } from '../../../app/state/explicit-latent';
import { DEFAULT_INVERSION_BUDGET_MS, type InvertItem } from '../../../app/jobs/inversion-jobs';
import { rgbaToPlanar } from '../../../app/inversion/loss';
import type { BatchJob } from '../../inference/client';
import { inference } from '../../inference/studio';
import { studioStore, useStudio } from '../../store';
import { ImageCanvas } from '../ImageCanvas';
import { CropBox } from './CropBox';
import { LossCurve } from './LossCurve';
import { centredCrop, cropToTarget, decodeTarget, difference, TARGET_TYPES, type Crop } from './target';

/** Generation cap of one run: the time budget is what normally ends it. */
const MAX_GENERATIONS = 100_000;

interface Source {
  name: string;
  bitmap: ImageBitmap;
}

interface Run {
  job: BatchJob;
  budgetMs: number;
}

function Dialog({ onClose }: { onClose: () => void }) {
  const entry = useStudio((s) => s.models.find((m) => m.id === s.modelId));
  const manifest = entry?.manifest;
  const [source, setSource] = useState<Source | null>(null);
  const [crop, setCrop] = useState<Crop | null>(null);
  const [budgetS, setBudgetS] = useState(DEFAULT_INVERSION_BUDGET_MS / 1000);
  const [run, setRun] = useState<Run | null>(null);
  const [best, setBest] = useState<{ item: InvertItem; image: ImageData } | null>(null);
  const [losses, setLosses] = useState<number[]>([]);
  const [status, setStatus] = useState<string | null>(null);
  const runRef = useRef<Run | null>(null);
  runRef.current = run;
  useEffect(() => () => runRef.current?.job.cancel(), []);

  const target = source && crop && manifest ? cropToTarget(source.bitmap, crop, manifest.resolution) : null;

  const open = async (file: File | undefined) => {
    if (!file) return;
    try {
      const bitmap = await decodeTarget(file);
      runRef.current?.job.cancel();
      setSource({ name: file.name, bitmap });
      setCrop(centredCrop(bitmap.width, bitmap.height));
      setBest(null);
      setLosses([]);
      setStatus(null);
    } catch (error) {
      setStatus(error instanceof Error ? error.message : String(error));
    }
  };

  const start = () => {
    if (!target || !manifest || run) return;
    const budgetMs = Math.max(1, budgetS) * 1000;
    setLosses([]);
    setBest(null);
    setStatus(null);
    const { noise, transform } = studioStore.getState().latent;
    const job = inference().runJob(
      {
        kind: 'invert',
        params: { target: rgbaToPlanar(target, manifest.img_channels), useEncoder: true, budgetMs, maxGenerations: MAX_GENERATIONS, seed: 1, settings: { noise, transform } },
      },
      (item) => {
        setBest({ item, image: new ImageData(new Uint8ClampedArray(item.image.data), item.image.width, item.image.height) });
        setLosses((previous) => [...previous, item.loss]);
      },
    );
    const current = { job, budgetMs };
    setRun(current);
    job.done
      .then(({ cancelled }) => setStatus(cancelled ? 'Cancelled: the best result so far is kept below.' : 'Done.'))
      .catch((error: unknown) => setStatus(`Inversion failed: ${error instanceof Error ? error.message : String(error)}. Try again, or reload the model.`))
      .finally(() => setRun((r) => (r === current ? null : r)));
  };

  const keep = () => {
    if (!best || !manifest || !source) return;
    const explicit = explicitLatent('ws', [manifest.num_ws, manifest.w_dim], best.item.ws, `inverted from ${source.name}`);
    const store = studioStore.getState();
    // The kept picture must look as the result did: ψ = 1, no mixing rows and no edit amounts on top.
    store.setLatent({ ...store.latent, psi: 1, cutoff: null, mix: store.latent.mix.map((m) => ({ ...m, rows: [] })), edits: store.latent.edits.map((e) => ({ ...e, amount: 0 })) });
    studioStore.getState().setExplicit(explicit);
    studioStore.getState().addKeyframe();
    onClose();
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    // The window's own drop handler would read a PNG as a record to restore.
    event.stopPropagation();
    void open(event.dataTransfer.files[0]);
  };

  const item = best?.item;
  const percent = run && item ? Math.min(100, Math.round((100 * item.elapsedMs) / run.budgetMs)) : item?.done ? 100 : 0;
  return (
    <div className="dialog-backdrop" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      <div
        className="dialog invert-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="invert-title"
        data-testid="invert-dialog"
        onKeyDown={(event) => {
          if (event.key === 'Escape') onClose();
        }}
      >
        <h2 id="invert-title">Invert a picture</h2>
        <p>Drop a PNG, JPEG or WebP here or choose one; move the square to pick what to invert.</p>
        <label>
          Picture
          <input data-testid="invert-input" type="file" accept={TARGET_TYPES.join(',')} onChange={(e) => void open(e.target.files?.[0])} />
        </label>
        {source && crop && <CropBox bitmap={source.bitmap} crop={crop} onChange={setCrop} />}
        <div className="invert-images">
          <figure>
            <ImageCanvas image={target ?? undefined} data-testid="invert-target" aria-label="Target" />
            <figcaption>target</figcaption>
          </figure>
          <figure>
            <ImageCanvas image={best?.image} data-testid="invert-result" aria-label="Result" />
            <figcaption>result{item ? ` (from ${item.start === 'encoder' ? 'the encoder' : 'w_avg'})` : ''}</figcaption>
          </figure>
          <figure>
            <ImageCanvas image={target && best ? difference(target, best.image) : undefined} data-testid="invert-difference" aria-label="Difference" />
            <figcaption>difference</figcaption>
          </figure>
        </div>
        <label>
          Time budget (s)
          <input data-testid="invert-budget" type="number" min={1} max={3600} value={budgetS} disabled={run !== null} onChange={(e) => setBudgetS(Number(e.target.value))} />
        </label>
        <div className="invert-progress" data-testid="invert-progress" role="progressbar" aria-label="Inversion progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
          <div className="invert-progress-bar" style={{ width: `${percent}%` }} />
          <span>{item ? `step ${item.generation} · loss ${item.loss.toPrecision(4)} · ${(item.elapsedMs / 1000).toFixed(0)} s of ${((run?.budgetMs ?? budgetS * 1000) / 1000).toFixed(0)} s` : run ? 'preparing…' : 'not started'}</span>
        </div>
        <LossCurve losses={losses} />
        {status && <p role="status">{status}</p>}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="button" data-testid="invert-cancel" disabled={!run} onClick={() => run?.job.cancel()}>
            Cancel
          </button>
          <button type="button" data-testid="invert-run" disabled={!target || run !== null} onClick={start}>
            Run
          </button>
          <button type="button" data-testid="invert-keep" disabled={!best || run !== null} onClick={keep}>
            Keep as keyframe
          </button>
        </div>
      </div>
    </div>
  );
}

/** The *Invert…* button and, while open, its dialog. */
export function InvertAction() {
  const family = useStudio((s) => s.models.find((m) => m.id === s.modelId)?.family);
  const [open, setOpen] = useState(false);
  const disabledReason = family === undefined ? 'Open a model first.' : family !== 'stylegan' ? `Inversion needs a StyleGAN model: this one is ${family}, whose latent has no W to search.` : null;
  return (
    <>
      <button type="button" data-testid="invert-open" disabled={disabledReason !== null} title={disabledReason ?? 'Find the latent of your own picture'} onClick={() => setOpen(true)}>
        Invert…
      </button>
      {disabledReason && family !== undefined && <span className="visually-hidden">{disabledReason}</span>}
      {open && <Dialog onClose={() => setOpen(false)} />}
    </>
  );
}
