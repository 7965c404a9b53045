import { useEffect, useState } from 'react';
import { cancelImport, cancelRunningImport, confirmImport } from '../library/model-library';
import { useStudio } from '../store';
import type { PendingImport } from '../store/slices/workspace';

/** Output ranges generators use: tanh, sigmoid, raw 8-bit. */
const RANGES: Record<string, { label: string; range: [number, number] }> = {
  tanh: { label: '−1 … 1 (tanh output)', range: [-1, 1] },
  sigmoid: { label: '0 … 1 (sigmoid output)', range: [0, 1] },
  bytes: { label: '0 … 255', range: [0, 255] },
};

function positiveInt(text: string): number | null {
  return /^\d+$/.test(text) && Number(text) > 0 ? Number(text) : null;
}

function Form({ pending }: { pending: PendingImport }) {
  const { detected } = pending;
  const busy = useStudio((s) => s.importing !== null);
  const [name, setName] = useState(pending.fileName.replace(/\.onnx$/i, ''));
  const [zDim, setZDim] = useState(detected.zDim === null ? '' : String(detected.zDim));
  const [resolution, setResolution] = useState(detected.resolution === null ? '' : String(detected.resolution));
  const [channels, setChannels] = useState<1 | 3>(detected.channels ?? 3);
  const [range, setRange] = useState('tanh');
  const z = positiveInt(zDim);
  const res = positiveInt(resolution);
  const valid = name.trim() !== '' && z !== null && res !== null;

  return (
    <form
      className="dialog"
      role="dialog"
      aria-modal="true"
      aria-labelledby="import-dialog-title"
      data-testid="import-dialog"
      onSubmit={(event) => {
        event.preventDefault();
        if (valid) void confirmImport({ name: name.trim(), z_dim: z, resolution: res, img_channels: channels, output_range: RANGES[range]!.range });
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape') void cancelImport();
      }}
    >
      <h2 id="import-dialog-title">Import {pending.fileName}</h2>
      <p>
        This graph maps z (input “{detected.inputName}”) to an image (output “{detected.outputName}”). Confirm what it does; values the graph fixes are filled in
        and locked.
      </p>
      <label>
        Name
        <input data-testid="import-name" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} autoFocus />
      </label>
      <label>
        z_dim (length of z)
        <input data-testid="import-zdim" type="number" min={1} value={zDim} disabled={detected.zDim !== null} aria-invalid={z === null} onChange={(e) => setZDim(e.target.value)} />
      </label>
      <label>
        Resolution (px)
        <input
          data-testid="import-resolution"
          type="number"
          min={1}
          value={resolution}
          disabled={detected.resolution !== null}
          aria-invalid={res === null}
          onChange={(e) => setResolution(e.target.value)}
        />
      </label>
      <label>
        Channels
        <select data-testid="import-channels" value={channels} disabled={detected.channels !== null} onChange={(e) => setChannels(Number(e.target.value) as 1 | 3)}>
          <option value={3}>3 (RGB)</option>
          <option value={1}>1 (grey)</option>
        </select>
      </label>
      <label>
        Output range
        <select data-testid="import-range" value={range} onChange={(e) => setRange(e.target.value)}>
          {Object.entries(RANGES).map(([key, r]) => (
            <option key={key} value={key}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      {!valid && <p className="hint">Give a name, and z_dim and resolution as whole numbers above 0.</p>}
      <div className="dialog-buttons">
        <button type="button" data-testid="import-cancel" onClick={() => void cancelImport()}>
          Cancel
        </button>
        <button type="submit" data-testid="import-confirm" disabled={!valid || busy}>
          Import
        </button>
      </div>
    </form>
  );
}

/** How long the note on a cancelled import stays. */
const NOTICE_MS = 8000;
const PHASE_LABEL = { receiving: 'Uploading', converting: 'Converting the checkpoint', blending: 'Blending the weights', copying: 'Checking and copying' } as const;

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0);
}

/**
 * The running import, once the host reports it: a progress bar (bytes done of total) and Cancel.
 * Not modal: the studio stays usable while a large model copies. Afterwards, a short note if the
 * user cancelled it (a cancel is no error, so it does not go to the error banner).
 */
function ImportProgressPanel() {
  const running = useStudio((s) => s.importJob);
  const notice = useStudio((s) => s.importNotice);
  const setNotice = useStudio((s) => s.setImportNotice);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice, setNotice]);

  if (running?.progress) {
    const { phase, done, total } = running.progress;
    const percent = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : null;
    const text = `${PHASE_LABEL[phase]} ${megabytes(done)}${total > 0 ? ` of ${megabytes(total)}` : ''} MB`;
    return (
      <div className="import-progress" role="group" aria-label={`Importing ${running.file}`}>
        <span className="import-progress-file">{running.file}</span>
        <div
          className="import-progress-bar"
          role="progressbar"
          data-testid="import-progress"
          aria-label={`Import of ${running.file}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent ?? undefined}
          aria-valuetext={text}
          data-phase={phase}
        >
          <div className="import-progress-fill" style={{ width: `${percent ?? 100}%` }} />
        </div>
        <span className="import-progress-text">{running.cancelling ? 'Cancelling…' : text}</span>
        <button type="button" data-testid="import-cancel" aria-label={`Cancel the import of ${running.file}`} disabled={running.cancelling} onClick={() => void cancelRunningImport()}>
          Cancel
        </button>
      </div>
    );
  }
  if (notice) {
    return (
      <div className="import-progress" role="status" data-testid="import-notice">
        <span>{notice}</span>
        <button type="button" aria-label="Dismiss" onClick={() => setNotice(null)}>
          ×
        </button>
      </div>
    );
  }
  return null;
}

/**
 * The import's own surfaces: progress and Cancel while the host copies a model, then the short
 * dialog a single .onnx needs (what the graph cannot say about itself). The two never show at
 * once, so each has its one Cancel (data-testid import-cancel).
 */
export function ImportDialog() {
  const pending = useStudio((s) => s.pendingImport);
  return (
    <>
      <ImportProgressPanel />
      {pending && (
        <div className="dialog-backdrop">
          <Form key={pending.stagingId} pending={pending} />
        </div>
      )}
    </>
  );
}
