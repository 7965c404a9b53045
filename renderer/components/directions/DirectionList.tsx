/**
 * The EDITS panel's sliders: one row per direction with its amount, ws rows, and the ⋯ menu
 * (rename, reorder, make orthogonal, export, delete).
 */
import { useState } from 'react';
import type { Direction } from '../../../app/latent/directions';
import { exportDirection, makeOrthogonal } from '../../directions/directions';
import { useStudio } from '../../store';
import { SLIDER_LIMIT, SLIDER_STEP, useManifest } from './shared';
import { learnProps } from '../../live/learn';

/** One direction's slider row and its ws-row range. */
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
        {...learnProps({ kind: 'edit', id: direction.id }, `Edit: ${direction.name}`)}
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

export function DirectionList() {
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
