import type { NoiseSettings } from '../../app/state/latent-state';
import { MAX_SEED, useStudio } from '../store';
import { SeedInput } from './SeedInput';
import { SliderField } from './SliderField';

const NOISE_MODES: { mode: NoiseSettings['mode']; label: string }[] = [
  { mode: 'const', label: 'Const (as exported)' },
  { mode: 'random', label: 'Random (from a noise seed)' },
  { mode: 'none', label: 'None' },
];

/** The open model's manifest, or undefined while none is open. */
function useManifest() {
  return useStudio((s) => s.models.find((m) => m.id === s.modelId)?.manifest);
}

/**
 * NOISE: what a StyleGAN2 package's per-layer noise inputs are fed (shown only for packages
 * exported with `--noise-inputs`): the stored const noise, seeded random noise or none, × a strength.
 */
export function NoisePanel() {
  const noise = useStudio((s) => s.latent.noise);
  const setNoise = useStudio((s) => s.setNoise);
  const layers = useManifest()?.noise_inputs?.length ?? 0;
  if (layers === 0) return null;
  return (
    <section className="noise-panel" aria-label="Noise" data-testid="noise-panel">
      <h2>Noise</h2>
      <div className="field">
        <label htmlFor="noise-mode">Noise ({layers} layers)</label>
        <select
          id="noise-mode"
          data-testid="noise-mode"
          value={noise.mode}
          onChange={(e) => setNoise({ mode: e.target.value as NoiseSettings['mode'] })}
        >
          {NOISE_MODES.map((m) => (
            <option key={m.mode} value={m.mode}>
              {m.label}
            </option>
          ))}
        </select>
      </div>
      {noise.mode === 'random' && (
        <div className="field">
          <label htmlFor="noise-seed">Noise seed</label>
          <div className="row">
            <SeedInput id="noise-seed" testId="noise-seed" label="Noise seed" value={noise.seed} onChange={(seed) => setNoise({ seed })} />
            <button
              type="button"
              data-testid="noise-seed-random"
              aria-label="Random noise seed"
              title="Random noise seed"
              onClick={() => setNoise({ seed: Math.floor(Math.random() * (MAX_SEED + 1)) })}
            >
              ⟳
            </button>
          </div>
        </div>
      )}
      <SliderField
        id="noise-strength"
        label="Strength"
        value={noise.strength}
        min={0}
        max={2}
        step={0.01}
        digits={2}
        disabled={noise.mode === 'none'}
        onChange={(strength) => setNoise({ strength })}
        control={{ target: { kind: 'noise-strength' }, label: 'Noise strength' }}
      />
    </section>
  );
}

const TRANSFORM_SLIDERS = [
  { key: 'x', label: 'Translate x', min: -1, max: 1, step: 0.01, digits: 2, unit: '' },
  { key: 'y', label: 'Translate y', min: -1, max: 1, step: 0.01, digits: 2, unit: '' },
  { key: 'angle', label: 'Rotate', min: -180, max: 180, step: 1, digits: 0, unit: '°' },
] as const;

/**
 * TRANSFORM: StyleGAN3's input transform, translate and rotate as NVIDIA's visualizer offers
 * (shown only for packages exported with `--transform-input`).
 */
export function TransformPanel() {
  const transform = useStudio((s) => s.latent.transform);
  const setTransform = useStudio((s) => s.setTransform);
  const reset = useStudio((s) => s.resetTransform);
  const available = useManifest()?.transform_input !== undefined;
  if (!available) return null;
  const moved = transform.x !== 0 || transform.y !== 0 || transform.angle !== 0;
  return (
    <section className="transform-panel" aria-label="Input transform" data-testid="transform-panel">
      <h2>Transform</h2>
      {TRANSFORM_SLIDERS.map(({ key, ...slider }) => (
        <SliderField
          key={key}
          id={`transform-${key}`}
          {...slider}
          value={transform[key]}
          onChange={(value) => setTransform({ [key]: value })}
          control={{ target: { kind: 'transform', axis: key }, label: slider.label }}
        />
      ))}
      <button type="button" data-testid="transform-reset" disabled={!moved} onClick={reset} title="Back to no translation and no rotation">
        Reset transform
      </button>
    </section>
  );
}
