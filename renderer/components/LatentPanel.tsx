import { psiDomain } from '../../app/model/latent-domain';
import { MAX_SEED, useStudio } from '../store';
import { SeedInput } from './SeedInput';
import { MixPanel } from './MixPanel';
import { ClassPanel } from './ClassPanel';
import { NoisePanel, TransformPanel } from './NoisePanel';
import { SliderField } from './SliderField';
import { LivePanel } from './LivePanel';

/** Says that the main latent is explicit numbers, so the seed is not what draws the picture, with the way back. */
function ExplicitCue() {
  const explicit = useStudio((s) => s.latent.explicit);
  const seed = useStudio((s) => s.latent.seed);
  const setExplicit = useStudio((s) => s.setExplicit);
  if (!explicit) return null;
  return (
    <div className="row explicit-cue" role="status" data-testid="explicit-cue">
      <span title={`${explicit.space} [${explicit.shape.join(', ')}]: the seed below does not draw the picture`}>
        explicit {explicit.space} ({explicit.origin})
      </span>
      <button type="button" data-testid="explicit-clear" aria-label={`Back to seed ${seed}`} title={`Drop the explicit ${explicit.space} and draw seed ${seed} again`} onClick={() => setExplicit(undefined)}>
        Back to seed
      </button>
    </div>
  );
}

function SeedField() {
  const seed = useStudio((s) => s.latent.seed);
  const setSeed = useStudio((s) => s.setSeed);
  return (
    <div className="field">
      <label htmlFor="seed-input">Seed</label>
      <ExplicitCue />
      <div className="row">
        <SeedInput id="seed-input" testId="seed-input" label="Seed" value={seed} onChange={setSeed} />
        <button
          type="button"
          data-testid="seed-random"
          aria-label="Random seed"
          title="Random seed"
          onClick={() => setSeed(Math.floor(Math.random() * (MAX_SEED + 1)))}
        >
          ⟳
        </button>
      </div>
    </div>
  );
}

function PsiField() {
  const psi = useStudio((s) => s.latent.psi);
  const setPsi = useStudio((s) => s.setPsi);
  const family = useStudio((s) => s.models.find((m) => m.id === s.modelId)?.family ?? 'stylegan');
  const range = psiDomain({ family });
  return (
    <SliderField
      id="psi-slider"
      label="Truncation ψ"
      value={psi}
      min={range.sliderMin}
      max={range.max}
      step={range.step}
      digits={2}
      onChange={setPsi}
      control={{ target: { kind: 'psi' }, label: 'Truncation ψ' }}
    />
  );
}

function CutoffField() {
  const cutoff = useStudio((s) => s.latent.cutoff);
  const setCutoff = useStudio((s) => s.setCutoff);
  const numWs = useStudio((s) => s.models.find((m) => m.id === s.modelId)?.manifest.num_ws ?? 0);
  if (numWs === 0) return null;
  return (
    <div className="field">
      <label htmlFor="cutoff-input">Cutoff (rows truncated)</label>
      <input
        id="cutoff-input"
        data-testid="cutoff-input"
        type="number"
        min={1}
        max={numWs}
        step={1}
        placeholder={`all ${numWs}`}
        value={cutoff ?? ''}
        onChange={(e) => {
          const value = e.target.value === '' ? null : Math.round(Number(e.target.value));
          if (value === null || (value >= 1 && value <= numWs)) setCutoff(value);
        }}
      />
    </div>
  );
}

/** The LATENT panel: seed, ψ, cutoff, then classes, mixing, noise, transform and live control. */
export function LatentPanel() {
  return (
    <aside className="panel panel-left" aria-label="Latent controls">
      <h2>Latent</h2>
      <SeedField />
      <PsiField />
      <CutoffField />
      <ClassPanel />
      <MixPanel />
      <NoisePanel />
      <TransformPanel />
      <LivePanel />
    </aside>
  );
}
