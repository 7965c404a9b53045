/**
 * The direction axes on the latent map: from the current point, one segment per edit direction
 * (as far as a few slider units move the latent), coloured like its slider, with a label kept at
 * its tip as the camera moves.
 */
import { Vector3 } from 'three';
import { project } from '../../app/latent/pca';
import { studioStore } from '../store';
import { selectMapDirections } from '../store/slices/map';
import { AXIS_COLOURS } from './colours';
import type { Layout, Samples } from './layout';
import type { MapScene } from './scene';

/** Direction axes reach this many slider units from the current point; at most this many axes are drawn. */
const AXIS_UNITS = 3;
const MAX_AXES = 6;

/** What the axes part reads of the map it draws on. */
export interface MapAxesView {
  scene: MapScene;
  /** The map's element, whose dataset tests read (`axes`). */
  host: HTMLElement;
  /** The element holding the axis labels. */
  labels: HTMLElement;
  samples(): Samples | null;
  layout(): Layout | null;
  /** The current latent's map vector, and where it sits in the world. */
  current(): Float32Array | null;
  currentPosition(): [number, number, number] | null;
}

/** The direction axes of one map view. */
export class MapAxes {
  constructor(private readonly view: MapAxesView) {}

  /** Draw the axes from the current point, and remake their labels when the directions changed. */
  update(): void {
    const s = this.view.samples();
    const layout = this.view.layout();
    const current = this.view.current();
    const from = this.view.currentPosition();
    const labels = this.view.labels;
    if (!s || !from || !layout || !current) {
      this.view.scene.setAxes(null, null);
      labels.replaceChildren();
      return;
    }
    const space = s.manifest.family === 'stylegan' ? 'w' : 'z';
    const directions = selectMapDirections(studioStore.getState())
      .filter((d) => d.space === space && d.vector.length === s.dim)
      .slice(0, MAX_AXES);
    const segments = new Float32Array(directions.length * 6);
    const colours = new Float32Array(directions.length * 3);
    const tip = new Float32Array(s.dim);
    directions.forEach((d, i) => {
      // As far as AXIS_UNITS of the slider move the current point: an edit of some rows moves the mean row by that share.
      const rows = d.rows ? d.rows[1] - d.rows[0] + 1 : (s.manifest.num_ws || 1);
      const share = space === 'w' ? rows / (s.manifest.num_ws || 1) : 1;
      for (let j = 0; j < s.dim; j++) tip[j] = current[j]! + d.vector[j]! * d.scale * AXIS_UNITS * share;
      segments.set(from, i * 6);
      segments.set(layout.place(project(s.basis!, tip)), i * 6 + 3);
      colours.set(AXIS_COLOURS[i % AXIS_COLOURS.length]!, i * 3);
    });
    this.view.scene.setAxes(segments, colours);
    this.view.host.dataset.axes = String(directions.length);
    // Labels are remade only when the axes change, not on every frame of a slider drag.
    const names = directions.map((d) => `${d.name} +${AXIS_UNITS}`);
    if (labels.children.length === names.length && names.every((n, i) => labels.children[i]!.textContent === n)) return;
    labels.replaceChildren(
      ...names.map((name, i) => {
        const label = document.createElement('span');
        label.className = 'map-axis-label';
        label.textContent = name;
        const [r, g, b] = AXIS_COLOURS[i % AXIS_COLOURS.length]!;
        label.style.color = `rgb(${Math.round(r * 255)}, ${Math.round(g * 255)}, ${Math.round(b * 255)})`;
        return label;
      }),
    );
  }

  /** Keep each direction label at its axis's tip. */
  placeLabels(): void {
    const labels = this.view.labels.children;
    if (labels.length === 0) return;
    const segments = this.view.scene.axisSegments();
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i] as HTMLElement;
      const at = segments ? this.view.scene.toScreen(new Vector3(segments[i * 6 + 3], segments[i * 6 + 4], segments[i * 6 + 5])) : null;
      label.hidden = !at;
      if (at) label.style.transform = `translate(${at.x + 6}px, ${at.y - 8}px)`;
    }
  }
}
