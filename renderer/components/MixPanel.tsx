import { mixPresets, presetOf, type MixPreset } from '../../app/latent/presets';
import { MAX_MIX_SOURCES } from '../../app/pipeline/state';
import { MAX_SEED, useStudio } from '../store';
import { SeedInput } from './SeedInput';

const PRESETS: { name: MixPreset; label: string; hint: string }[] = [
  { name: 'coarse', label: 'Coarse', hint: 'pose, shape (4–8 px rows)' },
  { name: 'middle', label: 'Middle', hint: 'features (16–32 px rows)' },
  { name: 'fine', label: 'Fine', hint: 'colour, texture (64 px and up)' },
];
const SOURCE_NAMES = ['A', 'B', 'C'];

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

  return (
    <fieldset className="mix-source" aria-label={`Mixing source ${name}`}>
      <legend>Source {name}</legend>
      <div className="row">
        <SeedInput id={id} testId="mix-source-seed" label={`Source ${name} seed`} value={source.seed} onChange={(seed) => setMixSource(index, { seed })} />
        <button type="button" data-testid="mix-source-random" aria-label={`Random seed for source ${name}`} title="Random seed" onClick={() => setMixSource(index, { seed: Math.floor(Math.random() * (MAX_SEED + 1)) })}>
          ⟳
        </button>
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
