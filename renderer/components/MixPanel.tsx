import { mixPresets, presetOf, type MixPreset } from '../../app/latent/presets';
import { MAX_MIX_SOURCES, type LatentState } from '../../app/state/latent-state';
import { MAX_SEED, useStudio } from '../store';
import { SeedInput } from './SeedInput';
import { SliderField } from './SliderField';

const PRESETS: { name: MixPreset; label: string; hint: string }[] = [
  { name: 'coarse', label: 'Coarse', hint: 'pose, shape (4–8 px rows)' },
  { name: 'middle', label: 'Middle', hint: 'features (16–32 px rows)' },
  { name: 'fine', label: 'Fine', hint: 'colour, texture (64 px and up)' },
];
const SOURCE_NAMES = ['A', 'B', 'C'];

/** Whether a source's kept copy still equals a keyframe (so the picker can show which one). */
function sameState(a: LatentState, b: LatentState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isStyleGan3(generator: Record<string, unknown> | undefined): boolean {
  return String(generator?.architecture ?? '').includes('StyleGAN3');
}

function MixSourceControls({ index }: { index: number }) {
  const source = useStudio((s) => s.latent.mix[index]!);
  const setMixSource = useStudio((s) => s.setMixSource);
  const swap = useStudio((s) => s.swapMixSource);
  const remove = useStudio((s) => s.removeMixSource);
  const manifest = useStudio((s) => s.models.find((m) => m.id === s.modelId)?.manifest);
  const resolutions = manifest?.ws_resolutions ?? [];
  const presets = mixPresets(resolutions);
  const active = presetOf(resolutions, source.rows);
  const approximate = isStyleGan3(manifest?.generator);
  const name = SOURCE_NAMES[index] ?? String(index + 1);
  const id = `mix-source-${index}`;
  const keyframes = useStudio((s) => s.timeline.keyframes);
  const kept = source.kept;
  // Kept latents are the timeline's keyframes: the states the user has saved. The source copies
  // the keyframe's state, so the mix does not change when the keyframe later does.
  const keptIndex = kept ? keyframes.findIndex((k) => sameState(k.state, kept.state)) : -1;
  const pickFrom = (value: string) => {
    if (value === 'seed') return setMixSource(index, { kept: undefined });
    const k = Number(value);
    const keyframe = keyframes[k];
    if (keyframe) setMixSource(index, { seed: keyframe.state.seed, kept: { label: `Keyframe ${k + 1}`, state: structuredClone(keyframe.state) } });
  };

  return (
    <fieldset className="mix-source" aria-label={`Mixing source ${name}`}>
      <legend>Source {name}</legend>
      <div className="row">
        <label htmlFor={`${id}-from`}>From</label>
        <select
          id={`${id}-from`}
          data-testid="mix-source-kind"
          aria-label={`Source ${name} takes its rows from`}
          value={kept ? (keptIndex >= 0 ? String(keptIndex) : 'kept') : 'seed'}
          onChange={(e) => pickFrom(e.target.value)}
        >
          <option value="seed">a seed</option>
          {kept && keptIndex < 0 && <option value="kept">{kept.label} (as kept)</option>}
          {keyframes.length > 0 && (
            <optgroup label="Kept latents (keyframes)">
              {keyframes.map((k, i) => (
                <option key={k.id} value={String(i)}>
                  Keyframe {i + 1} · seed {k.state.seed}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </div>
      <div className="row">
        {kept ? (
          <output data-testid="mix-source-seed" aria-label={`Source ${name}`} title="Its own ψ, mixing and edits come with it">
            {kept.label} · seed {kept.state.seed} · ψ {kept.state.psi}
          </output>
        ) : (
          <>
            <SeedInput id={id} testId="mix-source-seed" label={`Source ${name} seed`} value={source.seed} onChange={(seed) => setMixSource(index, { seed })} />
            <button type="button" data-testid="mix-source-random" aria-label={`Random seed for source ${name}`} title="Random seed" onClick={() => setMixSource(index, { seed: Math.floor(Math.random() * (MAX_SEED + 1)) })}>
              ⟳
            </button>
          </>
        )}
        <button type="button" data-testid="mix-swap" aria-label={`Swap source ${name} with the main latent`} title="Swap with the main latent" onClick={() => swap(index)}>
          ⇄
        </button>
        <button type="button" data-testid="mix-remove" aria-label={`Remove source ${name}`} title="Remove source" onClick={() => remove(index)}>
          ×
        </button>
      </div>
      <div className="row presets" role="group" aria-label={`Layer presets for source ${name}`}>
        {PRESETS.map((p) => (
          <button
            key={p.name}
            type="button"
            data-testid={`mix-preset-${p.name}`}
            aria-pressed={active === p.name}
            disabled={presets[p.name].length === 0}
            title={`${p.hint}: rows ${presets[p.name].join(', ')}${approximate ? ' (approximate for StyleGAN3)' : ''}`}
            onClick={() => setMixSource(index, { rows: active === p.name ? [] : presets[p.name] })}
          >
            {approximate ? '≈ ' : ''}
            {p.label}
          </button>
        ))}
      </div>
      {approximate && (
        <p className="muted" data-testid="mix-sg3-note">
          StyleGAN3 has no clean coarse/middle/fine split: the ≈ presets group rows by size and are approximations. Pick rows by their size below.
        </p>
      )}
      <SliderField
        id={`mix-weight-${index}`}
        label={`Source ${name} weight`}
        value={source.weight ?? 1}
        min={0}
        max={1}
        step={0.01}
        digits={2}
        onChange={(weight) => setMixSource(index, { weight })}
        control={{ target: { kind: 'mix', index }, label: `Source ${name} weight` }}
      />
      <div className="mix-rows" role="group" aria-label={`ws rows taken from source ${name}`}>
        {resolutions.map((res, row) => (
          <label key={row} className="mix-row" title={`row ${row}, used at ${res}×${res} px`}>
            <input
              type="checkbox"
              data-testid="mix-row"
              data-row={row}
              aria-label={`Row ${row} (${res} px) from source ${name}`}
              checked={source.rows.includes(row)}
              onChange={(e) =>
                setMixSource(index, { rows: e.target.checked ? [...source.rows, row] : source.rows.filter((r) => r !== row) })
              }
            />
            <span>{row}</span>
            <small>{res}</small>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** STYLE MIX: up to three sources, each given ws rows by preset or per-row checkbox. */
export function MixPanel() {
  const count = useStudio((s) => s.latent.mix.length);
  const add = useStudio((s) => s.addMixSource);
  const family = useStudio((s) => s.models.find((m) => m.id === s.modelId)?.family);
  const openGrid = useStudio((s) => s.openMixGrid);
  if (family !== 'stylegan') return null;
  return (
    <section className="mix-panel" data-testid="mix-panel" aria-label="Style mixing">
      <h2>Style mix</h2>
      {Array.from({ length: count }, (_, i) => (
        <MixSourceControls key={i} index={i} />
      ))}
      <div className="row">
        <button type="button" data-testid="mix-add-source" disabled={count >= MAX_MIX_SOURCES} onClick={() => add(Math.floor(Math.random() * (MAX_SEED + 1)))}>
          + Source
        </button>
        <button type="button" data-testid="mix-grid-open" onClick={openGrid}>
          Mixing grid…
        </button>
      </div>
    </section>
  );
}
