import { useEffect, type ReactNode } from 'react';
import { EXPORT_SCALES, type UpscaleFilter } from '../../app/export/resample';
import { chainResolution } from '../../app/inference/stages';
import { useStudio } from '../store';
import { StageChain } from './StageChain';

/** Stage chain, scale and filter of exported images and frames (shared by PNG, batch and video). */
export function ScaleControls() {
  const scale = useStudio((s) => s.exportScale);
  const filter = useStudio((s) => s.exportFilter);
  const resolution = useStudio((s) => {
    const base = s.models.find((m) => m.id === s.modelId)?.manifest.resolution ?? 0;
    return chainResolution(base, s.stageChain.flatMap((id) => s.stages.find((st) => st.id === id)?.manifest ?? []));
  });
  const setOptions = useStudio((s) => s.setExportOptions);
  return (
    <>
      <StageChain />
      <label>
        Size
        <select data-testid="export-scale" value={scale} onChange={(e) => setOptions({ exportScale: Number(e.target.value) })}>
          {EXPORT_SCALES.map((f) => (
            <option key={f} value={f}>
              {f === 1 ? 'native' : `${f}×`}
              {resolution > 0 && ` (${resolution * f} px)`}
            </option>
          ))}
        </select>
      </label>
      <label>
        Filter
        <select
          data-testid="export-filter"
          value={filter}
          disabled={scale === 1}
          onChange={(e) => setOptions({ exportFilter: e.target.value as UpscaleFilter })}
        >
          <option value="nearest">Nearest (crisp pixels)</option>
          <option value="bilinear">Bilinear (smooth)</option>
        </select>
      </label>
    </>
  );
}

/** A non-modal panel under the export controls; Escape closes it. */
export function ExportPopover({ label, onClose, children, testId }: { label: string; onClose: () => void; children: ReactNode; testId: string }) {
  useEffect(() => {
    const key = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [onClose]);
  return (
    <section className="export-popover" role="dialog" aria-label={label} data-testid={testId}>
      <header>
        <h2>{label}</h2>
        <button type="button" onClick={onClose} aria-label={`Close ${label}`}>
          ×
        </button>
      </header>
      {children}
    </section>
  );
}
