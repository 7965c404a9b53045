import { useCallback } from 'react';
import { attachPreview } from '../inference/studio';
import { useStudio } from '../store';
import { MixGrid } from './MixGrid';

/** The picture, large and crisp: small models are upscaled nearest-neighbour by CSS. */
export function Preview() {
  const status = useStudio((s) => s.modelStatus);
  const gridOpen = useStudio((s) => s.mixGridOpen);
  const ref = useCallback((element: HTMLCanvasElement | null) => attachPreview(element), []);
  return (
    <section className="preview" aria-label="Preview">
      <canvas ref={ref} data-testid="preview-canvas" role="img" aria-label="Generated image" width={1} height={1} />
      {status === 'loading' && <div className="preview-status">Loading model…</div>}
      {gridOpen && <MixGrid />}
    </section>
  );
}
