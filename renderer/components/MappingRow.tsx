/**
 * One audio mapping's controls: the feature it follows, the control it drives, gain / offset /
 * attack / release, the curve, what an onset does, the classes of a chroma blend, and remove.
 * The menus list what the open model offers (app/control/targets.ts), keyed by targetKey.
 */
import { AUDIO_FEATURES, CURVES, type AudioFeature, type Curve, type Mapping } from '../../app/control/mappings';
import { CHROMA_CLASSES, clampToRange, controlRange, controlTargets, targetKey, type ControlChoice } from '../../app/control/targets';
import { controlContext } from '../audio/frames';
import { useShallow } from 'zustand/react/shallow';
import { studioStore, useStudio } from '../store';
import { SliderField } from './SliderField';

const FEATURE_LABELS: Record<AudioFeature, string> = { rms: 'Loudness (RMS)', low: 'Bass (low band)', mid: 'Mids', high: 'Highs', onset: 'Onsets', chroma: 'Chroma (pitch classes)' };

function choicesOf(): ControlChoice[] {
  const s = studioStore.getState();
  const ctx = controlContext(s);
  return ctx ? controlTargets(s.latent, ctx) : [];
}

/** The row of mapping `index`. */
export function MappingRow({ index }: { index: number }) {
  const mapping = useStudio((s) => s.audioMappings[index]!);
  const update = useStudio((s) => s.updateMapping);
  const remove = useStudio((s) => s.removeMapping);
  const family = useStudio((s) => s.models.find((m) => m.id === s.modelId)?.family ?? 'stylegan');
  // Re-read when what the targets depend on changes: directions, mixing sources, keyframes, the model.
  useStudio(useShallow((s) => [s.directions, s.latent.mix.length, s.timeline.keyframes.length, s.modelId]));
  const choices = choicesOf();
  const key = targetKey(mapping.target);
  const known = choices.some((c) => targetKey(c.target) === key);
  const range = controlRange(mapping.target, { model: { family } });
  const span = range.max - range.min;
  const set = (fields: Partial<Omit<Mapping, 'id'>>) => update(mapping.id, fields);
  const steps = mapping.feature === 'onset' && mapping.onsetAction === 'next-keyframe';
  const name = `Mapping ${index + 1}`;

  return (
    <fieldset className="mapping-row" data-testid="mapping-row" aria-label={name}>
      <div className="row">
        <label>
          Feature
          <select data-testid="mapping-feature" value={mapping.feature} onChange={(e) => set({ feature: e.target.value as AudioFeature })}>
            {AUDIO_FEATURES.map((f) => (
              <option key={f} value={f}>
                {FEATURE_LABELS[f]}
              </option>
            ))}
          </select>
        </label>
        {mapping.feature === 'onset' && (
          <label>
            On each onset
            <select data-testid="mapping-onset-action" value={mapping.onsetAction ?? 'pulse'} onChange={(e) => set({ onsetAction: e.target.value as 'pulse' | 'next-keyframe' })}>
              <option value="pulse">kick a pulse</option>
              <option value="next-keyframe">step to the next keyframe</option>
            </select>
          </label>
        )}
        {!steps && (
          <label>
            Drives
            <select
              data-testid="mapping-target"
              value={key}
              onChange={(e) => {
                const choice = choices.find((c) => targetKey(c.target) === e.target.value);
                // The offset moves into the new control's range; the gain stays as the user set it.
                if (choice) set({ target: choice.target, offset: clampToRange(choice.range, mapping.offset) });
              }}
            >
              {!known && <option value={key}>{key} (not offered by this model)</option>}
              {choices.map((c) => (
                <option key={targetKey(c.target)} value={targetKey(c.target)}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Curve
          <select data-testid="mapping-curve" value={mapping.curve} onChange={(e) => set({ curve: e.target.value as Curve })}>
            {CURVES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <button type="button" data-testid="mapping-remove" aria-label={`Remove ${name}`} title="Remove mapping" onClick={() => remove(mapping.id)}>
          ×
        </button>
      </div>
      {mapping.target.kind === 'class-blend' && !steps && (
        <label>
          Classes (12, C … B)
          <input
            data-testid="mapping-classes"
            defaultValue={mapping.target.classes.join(', ')}
            onBlur={(e) => {
              const classes = e.target.value
                .split(/[\s,]+/)
                .filter(Boolean)
                .map(Number)
                .filter((n) => Number.isInteger(n) && n >= 0)
                .slice(0, CHROMA_CLASSES);
              if (classes.length > 0) set({ target: { kind: 'class-blend', classes } });
            }}
          />
        </label>
      )}
      {!steps && (
        <div className="mapping-sliders">
          <SliderField id={`mapping-gain-${index}`} label="Gain" value={mapping.gain} min={-span} max={span} step={span / 400} digits={2} onChange={(gain) => set({ gain })} />
          <SliderField id={`mapping-offset-${index}`} label="Offset" value={mapping.offset} min={range.min} max={range.max} step={span / 400} digits={2} onChange={(offset) => set({ offset })} />
          <SliderField id={`mapping-attack-${index}`} label="Attack" value={mapping.attack} min={0} max={2} step={0.01} digits={2} unit=" s" onChange={(attack) => set({ attack })} />
          <SliderField id={`mapping-release-${index}`} label="Release" value={mapping.release} min={0} max={2} step={0.01} digits={2} unit=" s" onChange={(release) => set({ release })} />
        </div>
      )}
    </fieldset>
  );
}
