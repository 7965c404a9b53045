import { useEffect, useState } from 'react';
import { MIN_EXAMPLES, type Direction } from '../../../app/latent/directions';
import type { LayerGroup } from '../../../app/latent/sefa';
import type { LatentState } from '../../../app/state/latent-state';
import {
  PCA_DEFAULTS,
  cancelDirectionJob,
  computePca,
  computeSefa,
  exportDirection,
  importDirectionFile,
  makeOrthogonal,
  markSample,
  teachDirection,
  watchDirections,
} from '../../directions/directions';
import { inference } from '../../inference/studio';
import { ImageCanvas } from '../ImageCanvas';
import { MAX_SEED, studioStore, useStudio } from '../../store';

/** Slider range in slider units (σ for PCA directions, latent units otherwise), as GANSpace's ±10 σ. */
const SLIDER_LIMIT = 10;
const SLIDER_STEP = 0.1;
const GROUPS: { value: LayerGroup; label: string }[] = [
  { value: 'all', label: 'All layers' },
  { value: 'coarse', label: 'Coarse layers' },
  { value: 'middle', label: 'Middle layers' },
  { value: 'fine', label: 'Fine layers' },
];
const GRID_SIZE = 8;

function useManifest() {
  return useStudio((s) => s.models.find((m) => m.id === s.modelId)?.manifest);
}

/** Compute PCA / SeFa, import files; progress and Cancel for the job under way. */
function DirectionSources() {
  const manifest = useManifest();
  const ready = useStudio((s) => s.modelStatus === 'ready' && s.directionsModelId === s.modelId);
  const job = useStudio((s) => s.directionJob);
  const status = useStudio((s) => s.directionStatus);
  const [samples, setSamples] = useState<number>(PCA_DEFAULTS.samples);
  const [group, setGroup] = useState<LayerGroup>('all');
  const stylegan = manifest?.family === 'stylegan';
  const busy = job !== null;
  return (
    <div className="direction-sources">
      <div className="row">
        <button
          type="button"
          data-testid="direction-compute-pca"
          disabled={!ready || busy}
          title={stylegan ? `Principal components of ${samples} w sampled through the mapping network (GANSpace)` : 'Closed-form directions of the first layer z feeds'}
          onClick={() => computePca(samples)}
        >
          {stylegan ? 'Compute PCA' : 'Closed-form directions'}
        </button>
        {stylegan && (
          <label className="inline-number">
            <span>samples</span>
            <input
              type="number"
              data-testid="direction-pca-samples"
              aria-label="PCA samples"
              min={1000}
              max={1_000_000}
              step={1000}
              value={samples}
              onChange={(e) => {
                const value = Math.round(Number(e.target.value));
                if (value >= 1000 && value <= 1_000_000) setSamples(value);
              }}
            />
          </label>
        )}
      </div>
      {stylegan && (
        <div className="row">
          <select data-testid="direction-sefa-layers" aria-label="SeFa layers" value={group} onChange={(e) => setGroup(e.target.value as LayerGroup)}>
            {GROUPS.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
          </select>
          <button type="button" data-testid="direction-compute-sefa" disabled={!ready || busy} onClick={() => computeSefa(group)}>
            Compute SeFa
          </button>
        </div>
      )}
      <label className={`file-button${ready ? '' : ' disabled'}`}>
        Import .npy / .npz…
        <input
          type="file"
          className="visually-hidden"
          data-testid="direction-import"
          aria-label="Import directions from .npy or .npz files"
          accept=".npy,.npz"
          multiple
          disabled={!ready}
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            void (async () => {
              for (const file of files) await importDirectionFile(file);
            })();
          }}
        />
      </label>
      {job && (
        <div className="row direction-progress">
          <progress data-testid="direction-progress" aria-label={job.kind === 'pca' ? 'PCA sampling' : 'SeFa'} value={job.done} max={job.total} />
          <span>
            {job.kind === 'pca' ? `${job.done.toLocaleString('en')} / ${job.total.toLocaleString('en')}` : 'factorising…'}
          </span>
          <button type="button" data-testid="direction-cancel" onClick={cancelDirectionJob}>
            Cancel
          </button>
        </div>
      )}
      {status && (
        <p className="direction-status" data-testid="direction-status" role="status">
          {status}
        </p>
      )}
    </div>
  );
}

function RowRange({ direction, numWs }: { direction: Direction; numWs: number }) {
  const setRows = useStudio((s) => s.setDirectionRows);
  const [start, end] = direction.rows ?? [0, numWs - 1];
  const commit = (a: number, b: number) => {
    if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b < numWs && a <= b)) return;
    setRows(direction.id, a === 0 && b === numWs - 1 ? null : [a, b]);
  };
  return (
    <span className="row-range" role="group" aria-label={`ws rows edited by ${direction.name}`}>
      rows
      <input
        type="number"
        data-testid="direction-row-start"
        aria-label={`First ws row edited by ${direction.name}`}
        min={0}
        max={end}
        value={start}
        onChange={(e) => commit(Number(e.target.value), end)}
      />
      –
      <input
        type="number"
        data-testid="direction-row-end"
        aria-label={`Last ws row edited by ${direction.name}`}
        min={start}
        max={numWs - 1}
        value={end}
        onChange={(e) => commit(start, Number(e.target.value))}
      />
    </span>
  );
}

function OrthogonalChooser({ direction, onDone }: { direction: Direction; onDone(): void }) {
  const directions = useStudio((s) => s.directions);
  const candidates = directions.filter((d) => d.id !== direction.id && d.space === direction.space);
  const [chosen, setChosen] = useState<string[]>([]);
  return (
    <fieldset className="orthogonal-chooser">
      <legend>Make {direction.name} orthogonal to</legend>
      {candidates.length === 0 && <p className="muted">No other directions yet.</p>}
      {candidates.map((c) => (
        <label key={c.id}>
          <input
            type="checkbox"
            checked={chosen.includes(c.id)}
            onChange={(e) => setChosen(e.target.checked ? [...chosen, c.id] : chosen.filter((id) => id !== c.id))}
          />
          {c.name}
        </label>
      ))}
      <div className="row">
        <button
          type="button"
          data-testid="direction-orthogonal-apply"
          disabled={chosen.length === 0}
          onClick={() => {
            makeOrthogonal(direction.id, chosen);
            onDone();
          }}
        >
          Add orthogonal direction
        </button>
        <button type="button" onClick={onDone}>
          Close
        </button>
      </div>
    </fieldset>
  );
}

function DirectionRow({ direction, index, count, numWs }: { direction: Direction; index: number; count: number; numWs: number }) {
  const amount = useStudio((s) => s.latent.edits.find((e) => e.id === direction.id)?.amount ?? 0);
  const setAmount = useStudio((s) => s.setDirectionAmount);
  const rename = useStudio((s) => s.renameDirection);
  const remove = useStudio((s) => s.removeDirection);
  const move = useStudio((s) => s.moveDirection);
  const [editing, setEditing] = useState(false);
  const [open, setOpen] = useState(false);
  const [orthogonal, setOrthogonal] = useState(false);
  const unit = direction.source === 'pca' ? ' σ' : '';
  const sliderId = `direction-${direction.id}`;
  return (
    <li className="direction" data-direction-id={direction.id}>
      <div className="direction-head">
        {editing ? (
          <input
            autoFocus
            data-testid="direction-name"
            aria-label={`New name for ${direction.name}`}
            defaultValue={direction.name}
            maxLength={200}
            onBlur={(e) => {
              rename(direction.id, e.target.value);
              setEditing(false);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') e.currentTarget.blur();
              if (e.key === 'Escape') setEditing(false);
            }}
          />
        ) : (
          <label htmlFor={sliderId} title={direction.note} onDoubleClick={() => setEditing(true)}>
            {direction.name}
          </label>
        )}
        <output htmlFor={sliderId}>
          {amount > 0 ? '+' : ''}
          {amount.toFixed(1)}
          {unit}
        </output>
        <button
          type="button"
          className="direction-more"
          data-testid="direction-more"
          aria-label={`Options of ${direction.name}`}
          aria-expanded={open}
          title="Rows, order, rename, orthogonal, export, delete"
          onClick={() => setOpen(!open)}
        >
          ⋯
        </button>
      </div>
      <input
        id={sliderId}
        type="range"
        data-testid="direction-slider"
        aria-label={direction.name}
        aria-valuetext={`${amount.toFixed(1)}${unit}`}
        min={-SLIDER_LIMIT}
        max={SLIDER_LIMIT}
        step={SLIDER_STEP}
        value={amount}
        onChange={(e) => setAmount(direction.id, Number(e.target.value))}
        onDoubleClick={() => setAmount(direction.id, 0)}
      />
      {open && (
        <>
          <p className="muted">{direction.note}</p>
          {direction.space === 'w' && numWs > 0 && <RowRange direction={direction} numWs={numWs} />}
          <div className="row direction-actions">
            <button type="button" data-testid="direction-move-up" aria-label={`Move ${direction.name} up`} title="Move up" disabled={index === 0} onClick={() => move(direction.id, -1)}>
              ↑
            </button>
            <button
              type="button"
              data-testid="direction-move-down"
              aria-label={`Move ${direction.name} down`}
              title="Move down"
              disabled={index === count - 1}
              onClick={() => move(direction.id, 1)}
            >
              ↓
            </button>
            <button type="button" data-testid="direction-rename" aria-label={`Rename ${direction.name}`} title="Rename" onClick={() => setEditing(true)}>
              ✎
            </button>
            <button
              type="button"
              data-testid="direction-orthogonal"
              aria-label={`Make ${direction.name} orthogonal to other directions`}
              aria-expanded={orthogonal}
              title="Orthogonal to… (conditional editing)"
              onClick={() => setOrthogonal(!orthogonal)}
            >
              ⊥
            </button>
            <button type="button" data-testid="direction-export" aria-label={`Export ${direction.name} as .npy`} title="Export as .npy" onClick={() => exportDirection(direction.id)}>
              ⤓
            </button>
            <button type="button" data-testid="direction-delete" aria-label={`Delete ${direction.name}`} title="Delete" onClick={() => remove(direction.id)}>
              ×
            </button>
          </div>
          {orthogonal && <OrthogonalChooser direction={direction} onDone={() => setOrthogonal(false)} />}
        </>
      )}
    </li>
  );
}

function DirectionList() {
  const directions = useStudio((s) => s.directions);
  const numWs = useManifest()?.num_ws ?? 0;
  const reset = useStudio((s) => s.resetDirectionAmounts);
  const anyMoved = useStudio((s) => s.latent.edits.length > 0);
  if (directions.length === 0) {
    return <p className="muted">No directions yet: compute, import or teach one.</p>;
  }
  return (
    <div className="direction-scroll">
      <ul className="direction-list" aria-label="Directions">
        {directions.map((d, i) => (
          <DirectionRow key={d.id} direction={d} index={i} count={directions.length} numWs={numWs} />
        ))}
      </ul>
      <button type="button" data-testid="direction-reset" disabled={!anyMoved} onClick={reset}>
        Reset sliders
      </button>
    </div>
  );
}

function GridCell({ state, image }: { state: LatentState; image: ImageData | undefined }) {
  return (
    <li className="teach-cell">
      <ImageCanvas image={image} data-testid="direction-grid-cell" role="img" aria-label={`Seed ${state.seed}`} />
      <div className="row">
        <button type="button" data-testid="direction-grid-has" aria-label={`Seed ${state.seed} has the attribute`} onClick={() => void markSample(state, 'has')}>
          +
        </button>
        <button type="button" data-testid="direction-grid-lacks" aria-label={`Seed ${state.seed} lacks the attribute`} onClick={() => void markSample(state, 'lacks')}>
          −
        </button>
      </div>
    </li>
  );
}

/** Seeds around the current one, rendered in the background, each markable as having or lacking the attribute. */
function TeachGrid() {
  const [first, setFirst] = useState(() => studioStore.getState().latent.seed);
  const [images, setImages] = useState<(ImageData | undefined)[]>([]);
  const showError = useStudio((s) => s.showError);
  const modelId = useStudio((s) => s.modelId);
  const [states, setStates] = useState<LatentState[]>([]);

  useEffect(() => {
    const base = studioStore.getState().latent;
    const next = Array.from({ length: GRID_SIZE }, (_, i) => ({ ...structuredClone(base), seed: (first + i) % (MAX_SEED + 1) }));
    setStates(next);
    setImages([]);
    const job = inference().renderBatch(next, (index, image) =>
      setImages((prev) => {
        const copy = [...prev];
        copy[index] = image;
        return copy;
      }),
    );
    job.done.catch((error: Error) => showError(`The seed grid could not be rendered: ${error.message}. Close and reopen it.`));
    return () => job.cancel();
  }, [first, modelId, showError]);

  return (
    <div className="teach-grid" data-testid="direction-teach-grid">
      <ul aria-label="Seeds to mark">
        {states.map((state, i) => (
          <GridCell key={state.seed} state={state} image={images[i]} />
        ))}
      </ul>
      <div className="row">
        <button type="button" aria-label="Previous seeds" onClick={() => setFirst(Math.max(0, first - GRID_SIZE))}>
          ← Seeds
        </button>
        <button type="button" data-testid="direction-grid-next" aria-label="Next seeds" onClick={() => setFirst(first + GRID_SIZE)}>
          Seeds →
        </button>
      </div>
    </div>
  );
}

/** Teach a direction by example: mark samples as having / lacking an attribute, then fit. */
function TeachSection() {
  const marks = useStudio((s) => s.teachMarks);
  const removeMark = useStudio((s) => s.removeTeachMark);
  const clearMarks = useStudio((s) => s.clearTeachMarks);
  const ready = useStudio((s) => s.modelStatus === 'ready' && s.directionsModelId === s.modelId);
  const [name, setName] = useState('');
  const [gridOpen, setGridOpen] = useState(false);
  const has = marks.filter((m) => m.label === 'has').length;
  const lacks = marks.length - has;
  const enough = has >= MIN_EXAMPLES && lacks >= MIN_EXAMPLES;
  const markCurrent = (label: 'has' | 'lacks') => void markSample(structuredClone(studioStore.getState().latent), label);
  return (
    <section className="teach" aria-label="Teach a direction by example">
      <h3>Teach by example</h3>
      <div className="row">
        <button type="button" data-testid="direction-mark-has" disabled={!ready} onClick={() => markCurrent('has')}>
          Mark as having
        </button>
        <button type="button" data-testid="direction-mark-lacks" disabled={!ready} onClick={() => markCurrent('lacks')}>
          Mark as lacking
        </button>
      </div>
      <p className="muted" data-testid="direction-teach-count" aria-live="polite">
        {has} having · {lacks} lacking{enough ? '' : ` (at least ${MIN_EXAMPLES} of each)`}
      </p>
      {marks.length > 0 && (
        <ul className="teach-marks" aria-label="Marked samples">
          {marks.map((m) => (
            <li key={m.id} className={`teach-mark teach-${m.label}`}>
              {m.label === 'has' ? '+' : '−'} {m.seed}
              <button type="button" aria-label={`Unmark seed ${m.seed} (${m.label === 'has' ? 'having' : 'lacking'})`} onClick={() => removeMark(m.id)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="row">
        <button type="button" data-testid="direction-teach-grid-open" aria-expanded={gridOpen} disabled={!ready} onClick={() => setGridOpen(!gridOpen)}>
          {gridOpen ? 'Hide seed grid' : 'Seed grid…'}
        </button>
        <button type="button" data-testid="direction-teach-clear" disabled={marks.length === 0} onClick={clearMarks}>
          Clear marks
        </button>
      </div>
      {gridOpen && ready && <TeachGrid />}
      <div className="row">
        <input data-testid="direction-teach-name" aria-label="Name of the taught direction" placeholder="Attribute name" maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        <button
          type="button"
          data-testid="direction-teach"
          disabled={!enough}
          title="Fit a direction to the marked samples (difference of their means)"
          onClick={() => {
            teachDirection(name);
            setName('');
          }}
        >
          Teach
        </button>
      </div>
    </section>
  );
}

/** EDITS: attribute sliders of the open model, and the ways to make them. */
export function DirectionsPanel() {
  useEffect(() => watchDirections(), []);
  const hasModel = useStudio((s) => s.modelId !== null);
  return (
    <aside className="panel panel-right" data-testid="directions-panel" aria-label="Edits">
      <h2>Edits</h2>
      {hasModel && (
        <>
          <DirectionSources />
          <DirectionList />
          <TeachSection />
        </>
      )}
    </aside>
  );
}
