import { useEffect, useMemo, useRef, useState } from 'react';
import { useStudio } from '../store';
import { MAP_COUNTS, mapDirections, type MapColouring, type MapProjection } from '../store/slices/map';
import { MapController, type MapHover } from './controller';
import { MapUnavailableError } from './scene';
import { ImageCanvas } from '../components/ImageCanvas';

const HELP =
  'Latent map. Drag to orbit, right-drag or Shift+drag to pan, wheel to zoom. W A S D fly, Q and E move down and up, arrow keys orbit. ' +
  'Click a point or press Enter over it to open it in the studio; F flies to the current latent.';

function colouringValue(c: MapColouring): string {
  return c.by === 'direction' ? `direction:${c.id}` : c.by;
}

function parseColouring(value: string): MapColouring {
  if (value.startsWith('direction:')) return { by: 'direction', id: value.slice('direction:'.length) };
  return value === 'class' ? { by: 'class' } : { by: 'position' };
}

/** Room the hover preview takes, to keep it inside the view. */
const HOVER_BOX = { width: 146, height: 166 };

function HoverPreview({ hover, view }: { hover: MapHover; view: HTMLElement | null }) {
  // Beside the cursor, flipped to the other side where it would leave the view.
  const width = view?.clientWidth ?? Infinity;
  const height = view?.clientHeight ?? Infinity;
  const left = hover.x + 14 + HOVER_BOX.width > width ? Math.max(0, hover.x - 14 - HOVER_BOX.width) : hover.x + 14;
  const top = hover.y + 14 + HOVER_BOX.height > height ? Math.max(0, hover.y - 14 - HOVER_BOX.height) : hover.y + 14;
  return (
    <div className="map-hover" data-testid="map-hover-preview" role="tooltip" style={{ left, top }}>
      {hover.image ? <ImageCanvas image={hover.image} aria-hidden="true" /> : <div className="map-hover-wait">rendering…</div>}
      <span>
        seed {hover.seed}
        {hover.className ? ` · ${hover.className}` : ''}
      </span>
    </div>
  );
}

function Status({ controller }: { controller: MapController | null }) {
  const status = useStudio((s) => s.mapStatus);
  const modelReady = useStudio((s) => s.modelStatus === 'ready');
  if (status.phase === 'sampling' || status.phase === 'projecting' || status.phase === 'umap') {
    const label = { sampling: 'Sampling', projecting: 'Projecting', umap: 'UMAP' }[status.phase];
    return (
      <span className="map-status" role="status">
        <progress data-testid="map-progress" max={status.total} value={status.done} aria-label={`${label} progress`} />
        {label} {status.done.toLocaleString('en')}/{status.total.toLocaleString('en')}
        <button type="button" data-testid="map-cancel" onClick={() => controller?.cancel()}>
          Cancel
        </button>
      </span>
    );
  }
  if (status.phase === 'unavailable') return <span className="map-status">{status.message}</span>;
  if (status.phase === 'idle' && modelReady && controller) {
    return (
      <span className="map-status" role="status">
        Map stopped.{' '}
        <button type="button" data-testid="map-resample" onClick={() => controller.resample()}>
          Sample again
        </button>
      </span>
    );
  }
  return null;
}

/** The map's controls and its view (created while the map is open). */
export function LatentMap() {
  const open = useStudio((s) => s.mapOpen);
  const toggle = useStudio((s) => s.toggleMap);
  const projection = useStudio((s) => s.mapProjection);
  const setProjection = useStudio((s) => s.setMapProjection);
  const count = useStudio((s) => s.mapCount);
  const setCount = useStudio((s) => s.setMapCount);
  const local = useStudio((s) => s.mapLocal);
  const recentre = useStudio((s) => s.recentreMap);
  const whole = useStudio((s) => s.showWholeMap);
  const colouring = useStudio((s) => s.mapColouring);
  const setColouring = useStudio((s) => s.setMapColouring);
  const mode = useStudio((s) => s.mapSelectMode);
  const setMode = useStudio((s) => s.setMapSelectMode);
  const selection = useStudio((s) => s.mapSelection);
  const clearSelection = useStudio((s) => s.clearMapSelection);
  const teach = useStudio((s) => s.teachFromMapSelection);
  const status = useStudio((s) => s.mapStatus.phase);
  const showError = useStudio((s) => s.showError);
  const setStatus = useStudio((s) => s.setMapStatus);
  const edits = useStudio((s) => s.latent.edits);
  const modelDirections = useStudio((s) => s.directions);
  const family = useStudio((s) => s.models.find((m) => m.id === s.modelId)?.manifest.family);
  const conditional = useStudio((s) => (s.models.find((m) => m.id === s.modelId)?.manifest.c_dim ?? 0) > 0);
  const directions = useMemo(
    () => mapDirections(modelDirections, edits).filter((d) => d.space === (family === 'stylegan' ? 'w' : 'z')),
    [modelDirections, edits, family],
  );

  const hostRef = useRef<HTMLElement>(null);
  const viewRef = useRef<HTMLDivElement>(null);
  const labelsRef = useRef<HTMLDivElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const [controller, setController] = useState<MapController | null>(null);
  const [hover, setHover] = useState<MapHover | null>(null);

  useEffect(() => {
    const view = viewRef.current;
    if (!open || !view || !hostRef.current || !labelsRef.current || !boxRef.current) return;
    // A canvas per opening: a closed map gives its WebGL context back, and a lost context cannot be reused.
    const canvas = document.createElement('canvas');
    canvas.dataset.testid = 'map-canvas';
    canvas.tabIndex = 0;
    canvas.setAttribute('role', 'application');
    canvas.setAttribute('aria-label', HELP);
    canvas.title = HELP;
    view.prepend(canvas);
    let made: MapController | null = null;
    try {
      made = new MapController({ canvas, host: hostRef.current, labels: labelsRef.current, box: boxRef.current }, setHover);
      setController(made);
    } catch (error) {
      if (!(error instanceof MapUnavailableError)) throw error;
      const message = `The latent map needs WebGL 2, and ${error.message}.`;
      setStatus({ phase: 'unavailable', message });
      showError(`${message} Enable hardware acceleration in your browser, or hide the map.`);
    }
    return () => {
      made?.dispose();
      canvas.remove();
      setController(null);
      setHover(null);
    };
  }, [open, setStatus, showError]);

  const colourOptions = [
    <option key="position" value="position">
      Colour: position
    </option>,
    ...(conditional ? [<option key="class" value="class">Colour: class</option>] : []),
    ...directions.map((d) => (
      <option key={d.id} value={`direction:${d.id}`}>
        Colour: {d.name}
      </option>
    )),
  ];

  return (
    <section ref={hostRef} className={`latent-map${open ? ' open' : ''}`} data-testid="latent-map" data-status={status} aria-label="Latent map">
      <div className="map-bar">
        <button type="button" data-testid="map-toggle" aria-expanded={open} aria-controls="latent-map-view" onClick={toggle}>
          {open ? '▾' : '▸'} Latent map
        </button>
        {open && (
          <>
            <select data-testid="map-projection" aria-label="Projection" title="Projection" value={projection} onChange={(e) => setProjection(e.target.value as MapProjection)}>
              <option value="pca">PCA</option>
              <option value="umap">UMAP</option>
            </select>
            <select data-testid="map-count" aria-label="Points" title="Points sampled" value={count} onChange={(e) => setCount(Number(e.target.value))}>
              {MAP_COUNTS.map((n) => (
                <option key={n} value={n}>
                  {n.toLocaleString('en')} points
                </option>
              ))}
            </select>
            <select data-testid="map-colour" aria-label="Colour by" title="Colour by" value={colouringValue(colouring)} onChange={(e) => setColouring(parseColouring(e.target.value))}>
              {colourOptions}
            </select>
            <span role="group" aria-label="Projection centre" className="map-group">
              <button type="button" data-testid="map-recentre" title="Project again around the current latent (its neighbourhood)" onClick={recentre}>
                Recentre
              </button>
              <button type="button" data-testid="map-whole" title="Back to the whole map" disabled={!local} onClick={whole}>
                Whole
              </button>
              <button type="button" data-testid="map-focus" title="Fly to the current latent (F)" onClick={() => controller?.focusCurrent()}>
                Find current
              </button>
            </span>
            <span role="group" aria-label="Dragging on the map" className="map-group">
              <button type="button" data-testid="map-mode-orbit" aria-pressed={mode === 'orbit'} title="Drag to orbit" onClick={() => setMode('orbit')}>
                Orbit
              </button>
              <button type="button" data-testid="map-select-positive" aria-pressed={mode === 'positive'} aria-label="Mark positive examples" title="Drag a box to mark positive examples" onClick={() => setMode('positive')}>
                +
              </button>
              <button type="button" data-testid="map-select-negative" aria-pressed={mode === 'negative'} aria-label="Mark negative examples" title="Drag a box to mark negative examples" onClick={() => setMode('negative')}>
                −
              </button>
            </span>
            <span className="map-selection" data-testid="map-selection-count" aria-label="Marked examples">
              +{selection.positive.length}/−{selection.negative.length}
            </span>
            <button
              type="button"
              data-testid="map-selection-teach"
              title="Add the marked points to “Teach by example” (+ has the attribute, − lacks it)"
              disabled={selection.positive.length + selection.negative.length === 0}
              onClick={teach}
            >
              Teach
            </button>
            <button
              type="button"
              data-testid="map-selection-clear"
              aria-label="Clear marks"
              title="Clear marks"
              disabled={selection.positive.length + selection.negative.length === 0}
              onClick={clearSelection}
            >
              ✕
            </button>
            <Status controller={controller} />
          </>
        )}
      </div>
      {open && (
        <div className="map-view" id="latent-map-view" ref={viewRef}>
          <div className="map-labels" ref={labelsRef} aria-hidden="true" />
          <div className="map-box" ref={boxRef} hidden />
          {hover && <HoverPreview hover={hover} view={viewRef.current} />}
        </div>
      )}
    </section>
  );
}
