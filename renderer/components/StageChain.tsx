/**
 * The export's image-to-image stage chain (super-resolution, translators from the library's
 * image2image packages): add a stage, see one row per stage in order, remove one, and read the
 * size the picture will have after them. PNG, batch and video exports all run through it.
 */
import { chainResolution } from '../../app/inference/stages';
import { MAX_STAGES } from '../store/slices/exports';
import { useStudio } from '../store';

/** The stage chain editor, for the export popovers. */
export function StageChain() {
  const stages = useStudio((s) => s.stages);
  const chain = useStudio((s) => s.stageChain);
  const setChain = useStudio((s) => s.setStageChain);
  const resolution = useStudio((s) => s.models.find((m) => m.id === s.modelId)?.manifest.resolution ?? 0);
  const chained = chain.map((id) => stages.find((s) => s.id === id)).filter((s) => s !== undefined);
  const after = chainResolution(resolution, chained.map((s) => s.manifest));
  return (
    <fieldset className="stage-chain">
      <legend>Stages</legend>
      {chained.length > 0 && (
        <ol aria-label="Export stages">
          {chained.map((stage, index) => (
            <li key={`${stage.id}-${index}`} data-testid="post-stage">
              <span title={stage.manifest.description ?? stage.name}>
                {stage.name} <span className="muted">({stage.manifest.scale}×)</span>
              </span>
              <button type="button" aria-label={`Remove stage ${index + 1}, ${stage.name}`} onClick={() => setChain(chain.filter((_, i) => i !== index))}>
                ×
              </button>
            </li>
          ))}
        </ol>
      )}
      <label>
        Add
        <select
          data-testid="post-add"
          value=""
          disabled={stages.length === 0 || chain.length >= MAX_STAGES}
          onChange={(e) => e.target.value && setChain([...chain, e.target.value])}
        >
          <option value="">{stages.length === 0 ? 'no stages in the library' : '+ Stage…'}</option>
          {stages.map((stage) => (
            <option key={stage.id} value={stage.id}>
              {stage.name} ({stage.manifest.scale}×)
            </option>
          ))}
        </select>
      </label>
      {resolution > 0 && (
        <p className="muted" data-testid="export-size" role="status">
          {chained.length === 0 ? `${resolution} px (no stages)` : `${resolution} → ${after} px`}
        </p>
      )}
    </fieldset>
  );
}
