/** What the EDITS panel's parts share: slider limits, SeFa's layer groups, the grid size, the open manifest. */
import type { LayerGroup } from '../../../app/latent/sefa';
import { useStudio } from '../../store';

/** Slider range in slider units (σ for PCA directions, latent units otherwise), as GANSpace's ±10 σ. */
export const SLIDER_LIMIT = 10;
/** The sliders' step, in slider units. */
export const SLIDER_STEP = 0.1;
/** SeFa's layer groups, as the panel offers them. */
export const GROUPS: { value: LayerGroup; label: string }[] = [
  { value: 'all', label: 'All layers' },
  { value: 'coarse', label: 'Coarse layers' },
  { value: 'middle', label: 'Middle layers' },
  { value: 'fine', label: 'Fine layers' },
];
/** Seeds per side of the teach-by-example grid. */
export const GRID_SIZE = 8;

/** The open model's manifest (undefined while none is open). */
export function useManifest() {
  return useStudio((s) => s.models.find((m) => m.id === s.modelId)?.manifest);
}
