import { useState } from 'react';
import { cancelImport, confirmImport } from '../model-library';
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

/** The short dialog a single .onnx import needs: what the graph cannot say about itself. */
export function ImportDialog() {
  const pending = useStudio((s) => s.pendingImport);
  if (!pending) return null;
  return (
    <div className="dialog-backdrop">
      <Form key={pending.stagingId} pending={pending} />
    </div>
  );
}
