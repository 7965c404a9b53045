import { useEffect, useRef, useState } from 'react';
import { mixPresets, type MixPreset } from '../../app/latent/presets';
import { parseSeedList, SeedListError } from '../../app/latent/seed-list';
import { latentState, type LatentState } from '../../app/pipeline/state';
import { inference } from '../studio';
import { studioStore, useStudio } from '../store';

/** The grid's layout: seeds A across the top, seeds B down the side, B's `preset` rows mixed into A. */
export interface GridLayout {
  seedsA: number[];
  seedsB: number[];
  preset: MixPreset;
  rows: number[];
  psi: number;
  cutoff: number | null;
}

/** Every image of the grid in render order: the A row, the B column, then the cells row by row. */
export function gridStates(layout: GridLayout): { state: LatentState; cell: string }[] {
  const base = { psi: layout.psi, cutoff: layout.cutoff };
  const out: { state: LatentState; cell: string }[] = [];
  layout.seedsA.forEach((a, i) => out.push({ state: latentState({ ...base, seed: a }), cell: `a${i}` }));
  layout.seedsB.forEach((b, j) => out.push({ state: latentState({ ...base, seed: b }), cell: `b${j}` }));
  layout.seedsB.forEach((b, j) =>
    layout.seedsA.forEach((a, i) =>
      out.push({ state: latentState({ ...base, seed: a, mix: [{ seed: b, rows: layout.rows }] }), cell: `c${j}-${i}` }),
    ),
  );
  return out;
}

function Cell({ id, image, onPick, label }: { id: string; image: ImageData | undefined; onPick?: () => void; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || !image) return;
    canvas.width = image.width;
    canvas.height = image.height;
    canvas.getContext('2d')?.putImageData(image, 0, 0);
  }, [image]);
  const canvas = <canvas ref={ref} data-testid="mix-grid-cell" data-cell={id} data-ready={image ? 'true' : 'false'} width={1} height={1} />;
  return onPick ? (
    <button type="button" className="grid-cell" aria-label={label} title={label} onClick={onPick}>
      {canvas}
    </button>
  ) : (
    <div className="grid-cell grid-header" role="img" aria-label={label}>
      {canvas}
    </div>
  );
}

/** The StyleGAN paper's mixing figure, rendered progressively as a background job. */
export function MixGrid() {
  const close = useStudio((s) => s.closeMixGrid);
  const setLatent = useStudio((s) => s.setLatent);
  const manifest = useStudio((s) => s.models.find((m) => m.id === s.modelId)?.manifest);
  const [aText, setAText] = useState('1,2,3,4');
  const [bText, setBText] = useState('5,6,7,8');
  const [preset, setPreset] = useState<MixPreset>('coarse');
  const [layout, setLayout] = useState<GridLayout | null>(null);
  const [images, setImages] = useState<Map<string, ImageData>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState({ done: 0, total: 0 });

  const build = () => {
    if (!manifest) return;
    try {
      const seedsA = parseSeedList(aText).slice(0, 16);
      const seedsB = parseSeedList(bText).slice(0, 16);
      const { psi, cutoff } = studioStore.getState().latent;
      setLayout({ seedsA, seedsB, preset, rows: mixPresets(manifest.ws_resolutions)[preset], psi, cutoff });
      setError(null);
    } catch (e) {
      if (!(e instanceof SeedListError)) throw e;
      setError(`${e.message}.`);
    }
  };

  // Build the default grid when the grid opens or the model changes.
  useEffect(build, [manifest]);

  useEffect(() => {
    if (!layout) return;
    const items = gridStates(layout);
    setImages(new Map());
    setProgress({ done: 0, total: items.length });
    const job = inference().renderBatch(
      items.map((i) => i.state),
      (index, image) => {
        setImages((prev) => new Map(prev).set(items[index]!.cell, image));
        setProgress((p) => ({ ...p, done: p.done + 1 }));
      },
    );
    job.done.catch((e: Error) => setError(`The grid could not be rendered: ${e.message}`));
    return () => job.cancel();
  }, [layout]);

  const pick = (a: number, b: number) => {
    if (!layout) return;
    const current = studioStore.getState().latent;
    setLatent({ ...current, seed: a, psi: layout.psi, cutoff: layout.cutoff, mix: [{ seed: b, rows: layout.rows }, ...current.mix.slice(1)] });
    close();
  };

  return (
    <section className="mix-grid" data-testid="mix-grid" aria-label="Style-mixing grid">
      <form
        className="grid-controls"
        onSubmit={(e) => {
          e.preventDefault();
          build();
        }}
      >
        <label>
          Seeds A (columns)
          <input data-testid="mix-grid-seeds-a" value={aText} onChange={(e) => setAText(e.target.value)} />
        </label>
        <label>
          Seeds B (rows)
          <input data-testid="mix-grid-seeds-b" value={bText} onChange={(e) => setBText(e.target.value)} />
        </label>
        <label>
          B's layers
          <select data-testid="mix-grid-preset" value={preset} onChange={(e) => setPreset(e.target.value as MixPreset)}>
            <option value="coarse">Coarse</option>
            <option value="middle">Middle</option>
            <option value="fine">Fine</option>
          </select>
        </label>
        <button type="submit" data-testid="mix-grid-render">
          Render
        </button>
        <span className="grid-progress" role="status" aria-label="Grid progress">
          {progress.done}/{progress.total}
        </span>
        <button type="button" data-testid="mix-grid-close" aria-label="Close the mixing grid" onClick={close}>
          Close
        </button>
      </form>
      {error && <p className="hint" role="alert">{error}</p>}
      {layout && (
        <div className="grid" style={{ gridTemplateColumns: `repeat(${layout.seedsA.length + 1}, minmax(0, 1fr))` }}>
          <div className="grid-corner" aria-hidden="true">
            B ↓ · A →
          </div>
          {layout.seedsA.map((a, i) => (
            <Cell key={`a${i}`} id={`a${i}`} image={images.get(`a${i}`)} label={`Seed A ${a}`} />
          ))}
          {layout.seedsB.map((b, j) => [
            <Cell key={`b${j}`} id={`b${j}`} image={images.get(`b${j}`)} label={`Seed B ${b}`} />,
            ...layout.seedsA.map((a, i) => (
              <Cell
                key={`c${j}-${i}`}
                id={`c${j}-${i}`}
                image={images.get(`c${j}-${i}`)}
                label={`Seed ${a} with ${layout.preset} layers of seed ${b}: open in the studio`}
                onPick={() => pick(a, b)}
              />
            )),
          ])}
        </div>
      )}
    </section>
  );
}
