import { useEffect, useRef, useState } from 'react';
import { mixGridItems, type MixGridItem, type MixGridLayout } from '../../app/export/mix-grid';
import { mixPresets, type MixPreset } from '../../app/latent/presets';
import { parseSeedList, SeedListError } from '../../app/latent/seed-list';
import { exportMixGrid } from '../export/mix-grid-export';
import { ImageCanvas } from './ImageCanvas';
import { inference } from '../inference/studio';
import { studioStore, useStudio } from '../store';

/** The id of an item's cell in the page: `a<i>`, `b<j>`, or `c<j>-<i>` for the mix of A_i with B_j. */
function cellId(item: MixGridItem): string {
  return item.role === 'a' ? `a${item.a}` : item.role === 'b' ? `b${item.b}` : `c${item.b}-${item.a}`;
}

function Cell({ id, image, onPick, label }: { id: string; image: ImageData | undefined; onPick?: () => void; label: string }) {
  const canvas = <ImageCanvas image={image} data-testid="mix-grid-cell" data-cell={id} />;
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

/**
 * The StyleGAN paper's mixing figure, rendered progressively as a background job. A layout asked
 * for through the store (a dropped grid PNG) opens a fresh grid on it.
 */
export function MixGrid() {
  const request = useStudio((s) => s.mixGridRequest);
  return <MixGridView key={request?.id ?? 0} initial={request?.layout ?? null} />;
}

function MixGridView({ initial }: { initial: MixGridLayout | null }) {
  const close = useStudio((s) => s.closeMixGrid);
  const setLatent = useStudio((s) => s.setLatent);
  const showError = useStudio((s) => s.showError);
  const modelId = useStudio((s) => s.modelId);
  const manifest = useStudio((s) => s.models.find((m) => m.id === s.modelId)?.manifest);
  const exporting = useStudio((s) => s.exportProgress !== null);
  const [aText, setAText] = useState(initial ? initial.seedsA.join(',') : '1,2,3,4');
  const [bText, setBText] = useState(initial ? initial.seedsB.join(',') : '5,6,7,8');
  const [preset, setPreset] = useState<MixPreset>(initial?.preset ?? 'coarse');
  const [layout, setLayout] = useState<MixGridLayout | null>(initial);
  // The pictures with the layout they belong to: until a new layout's job has started, the old
  // pictures must neither show nor be exported under it.
  const [rendered, setRendered] = useState<{ layout: MixGridLayout | null; images: Map<string, ImageData> }>({ layout: null, images: new Map() });
  const images = rendered.layout === layout ? rendered.images : new Map<string, ImageData>();
  const [progress, setProgress] = useState({ done: 0, total: 0 });
  // A requested layout is shown as recorded (its own ψ and rows); the first build must not replace it.
  const keepInitial = useRef(initial !== null);

  const build = () => {
    if (!manifest) return;
    try {
      const seedsA = parseSeedList(aText).slice(0, 16);
      const seedsB = parseSeedList(bText).slice(0, 16);
      const { psi, cutoff } = studioStore.getState().latent;
      setLayout({ seedsA, seedsB, preset, rows: mixPresets(manifest.ws_resolutions)[preset], psi, cutoff });
    } catch (e) {
      if (!(e instanceof SeedListError)) throw e;
      showError(`The mixing grid's seeds are not valid: ${e.message}. Give seeds like 1,2,3,4 or 10-13.`);
    }
  };

  // Build the default grid when the grid opens or the model changes.
  useEffect(() => {
    if (keepInitial.current) {
      keepInitial.current = false;
      return;
    }
    build();
  }, [manifest]);

  useEffect(() => {
    if (!layout) return;
    const items = mixGridItems(layout);
    setRendered({ layout, images: new Map() });
    setProgress({ done: 0, total: items.length });
    // Cancelling is a message to the worker: images of a replaced layout may still arrive, and must
    // not land in (or count towards) the new one.
    let live = true;
    const job = inference().renderBatch(
      items.map((i) => i.state),
      (index, image) => {
        if (!live) return;
        setRendered((prev) => (prev.layout === layout ? { layout, images: new Map(prev.images).set(cellId(items[index]!), image) } : prev));
        setProgress((p) => ({ ...p, done: p.done + 1 }));
      },
    );
    job.done.catch((e: Error) => {
      if (live) showError(`The mixing grid could not be rendered: ${e.message}. Press Render to try again.`);
    });
    return () => {
      live = false;
      job.cancel();
    };
  }, [layout]);

  const complete = layout !== null && mixGridItems(layout).every((item) => images.has(cellId(item)));
  const exportGrid = () => {
    if (!layout || !modelId) return;
    void exportMixGrid(modelId, layout, mixGridItems(layout).map((item) => images.get(cellId(item))!));
  };

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
        <button
          type="button"
          data-testid="mix-grid-export"
          aria-label="Export the mixing grid as one PNG"
          title={complete ? 'One PNG of the whole grid, with its layout and every cell’s latents in the file' : 'Wait until every cell is rendered'}
          disabled={!complete || exporting}
          onClick={exportGrid}
        >
          Export PNG
        </button>
        <button type="button" data-testid="mix-grid-close" aria-label="Close the mixing grid" onClick={close}>
          Close
        </button>
      </form>
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
                label={`Seed ${a} with ${layout.preset ?? 'chosen'} layers of seed ${b}: open in the studio`}
                onPick={() => pick(a, b)}
              />
            )),
          ])}
        </div>
      )}
    </section>
  );
}
