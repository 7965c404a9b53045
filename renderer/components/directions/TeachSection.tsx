/**
 * Teaching a direction by example: mark enough samples as having and as lacking an attribute, from
 * the preview or a seed grid; the direction is the difference of their means.
 */
import { useEffect, useState } from 'react';
import { MIN_EXAMPLES } from '../../../app/latent/directions';
import type { LatentState } from '../../../app/state/latent-state';
import { markSample, teachDirection } from '../../directions/directions';
import { inference } from '../../inference/studio';
import { ImageCanvas } from '../ImageCanvas';
import { MAX_SEED, studioStore, useStudio } from '../../store';
import { GRID_SIZE } from './shared';

/** One cell of the teaching grid: its picture and its mark buttons. */
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
export function TeachSection() {
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
