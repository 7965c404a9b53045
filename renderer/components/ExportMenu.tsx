import { useCallback, useState } from 'react';
import { SeedListError } from '../../app/latent/seed-list';
import { exportBatch, exportPng, exportWs } from '../export/image-exports';
import { cancelExport } from '../export/task';
import type { ExportProgress } from '../store/slices/exports';
import { useStudio } from '../store';
import { VideoExport } from './VideoExport';
import { ExportPopover, ScaleControls } from './ExportControls';

function seconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`;
}

/** The running export: a bar, done/total, time left, and Cancel. */
function ProgressBar({ progress }: { progress: ExportProgress }) {
  const elapsed = (performance.now() - progress.startedAt) / 1000;
  const eta = progress.done > 0 ? (elapsed / progress.done) * (progress.total - progress.done) : null;
  return (
    <span className="export-progress">
      <progress data-testid="export-progress" aria-label={`${progress.label} progress`} max={progress.total} value={progress.done} />
      <span className="export-count">
        {progress.label}: {progress.done}/{progress.total}
        {eta !== null && ` · ${seconds(eta)} left`}
      </span>
      <button type="button" data-testid="export-cancel" onClick={cancelExport} aria-label={`Cancel the ${progress.label}`}>
        Cancel
      </button>
    </span>
  );
}

/** Image options: size and filter, ws as .npy/.npz, and batches of seeds. */
function ImageOptions({ onClose }: { onClose: () => void }) {
  const family = useStudio((s) => s.models.find((m) => m.id === s.modelId)?.family);
  const busy = useStudio((s) => s.exportProgress !== null || s.modelStatus !== 'ready');
  const [seeds, setSeeds] = useState('0-15');
  const [seedError, setSeedError] = useState<string | null>(null);
  const startBatch = () => {
    try {
      void exportBatch(seeds);
      setSeedError(null);
    } catch (error) {
      if (!(error instanceof SeedListError)) throw error;
      setSeedError(`${error.message}.`);
    }
  };
  return (
    <ExportPopover label="Image export" onClose={onClose} testId="export-options">
      <div className="export-fields">
        <ScaleControls />
      </div>
      <h3>Latent</h3>
      <div className="row">
        <button type="button" data-testid="export-npy" disabled={busy || family !== 'stylegan'} onClick={() => void exportWs('npy')} title="ws as .npy, shape [1, num_ws, w_dim]">
          ws .npy
        </button>
        <button
          type="button"
          data-testid="export-npz"
          disabled={busy || family !== 'stylegan'}
          onClick={() => void exportWs('npz')}
          title="ws as .npz with key w (--projected-w of NVIDIA's generate.py)"
        >
          ws .npz
        </button>
      </div>
      {family !== 'stylegan' && <p className="muted">Only StyleGAN models have ws to export.</p>}
      <h3>Batch</h3>
      <form
        className="export-fields"
        onSubmit={(e) => {
          e.preventDefault();
          startBatch();
        }}
      >
        <label>
          Seeds
          <input
            data-testid="export-batch-seeds"
            value={seeds}
            aria-invalid={seedError !== null}
            aria-describedby={seedError ? 'export-batch-error' : undefined}
            onChange={(e) => setSeeds(e.target.value)}
            placeholder="0-99,200"
          />
        </label>
        <button type="submit" data-testid="export-batch" disabled={busy}>
          Export PNGs + contact sheet
        </button>
      </form>
      {seedError && (
        <p className="hint" id="export-batch-error" role="alert">
          {seedError}
        </p>
      )}
      <p className="muted">Each seed uses the current ψ, cutoff, mixing, edits and class.</p>
    </ExportPopover>
  );
}

/** The top bar's EXPORT area: PNG, video, more options, and the running export's progress. */
export function ExportMenu() {
  const progress = useStudio((s) => s.exportProgress);
  const message = useStudio((s) => s.exportMessage);
  const ready = useStudio((s) => s.modelStatus === 'ready');
  const [panel, setPanel] = useState<'options' | 'video' | null>(null);
  const toggle = (which: 'options' | 'video') => setPanel((open) => (open === which ? null : which));
  const close = useCallback(() => setPanel(null), []);
  return (
    <div className="export-area" role="group" aria-label="Export">
      <span className="area-label" aria-hidden="true">
        Export
      </span>
      <button type="button" data-testid="export-png" disabled={!ready || progress !== null} onClick={() => void exportPng()} title="Save the picture as a PNG that remembers its state">
        PNG
      </button>
      <button type="button" data-testid="export-video" aria-expanded={panel === 'video'} onClick={() => toggle('video')} title="Render the timeline to MP4, WebM or GIF">
        Video…
      </button>
      <button type="button" data-testid="export-menu" aria-expanded={panel === 'options'} aria-label="Image export options" onClick={() => toggle('options')}>
        ▾
      </button>
      {progress && <ProgressBar progress={progress} />}
      {!progress && message && (
        <span className="export-status" role="status" data-testid="export-status" title={message}>
          {message}
        </span>
      )}
      {panel === 'options' && <ImageOptions onClose={close} />}
      {panel === 'video' && <VideoExport onClose={close} />}
    </div>
  );
}
