/**
 * The EDITS panel's sources of directions: compute PCA or SeFa, import .npy/.npz files, and the
 * progress and Cancel of the job under way.
 */
import { useState } from 'react';
import type { LayerGroup } from '../../../app/latent/sefa';
import { PCA_DEFAULTS, cancelDirectionJob, computePca, computeSefa, importDirectionFile } from '../../directions/directions';
import { useStudio } from '../../store';
import { GROUPS, useManifest } from './shared';

/** Compute PCA / SeFa, import files; progress and Cancel for the job under way. */
export function DirectionSources() {
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
