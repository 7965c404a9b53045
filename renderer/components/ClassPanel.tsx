import { useState } from 'react';
import { useStudio } from '../store';
import { SliderField } from './SliderField';
import type { ClassWeight } from '../../app/state/latent-state';

/** Read a state's classes as "class A, class B and the blend t between them". */
function asBlend(classes: readonly ClassWeight[]): { a: number; b: number; t: number } {
  const [first, second] = classes;
  if (!first) return { a: 0, b: 0, t: 0 };
  if (!second) return { a: first.index, b: first.index, t: 0 };
  return { a: first.index, b: second.index, t: second.weight };
}

/** The class vector as A blended towards B by t (one-hot when t = 0 or A = B). */
function toClasses(a: number, b: number, t: number): ClassWeight[] {
  if (t === 0 || a === b) return [{ index: a, weight: 1 }];
  return [
    { index: a, weight: 1 - t },
    { index: b, weight: t },
  ];
}

/** CLASS: for conditional models, a named class and an optional blend towards a second one. */
export function ClassPanel() {
  const manifest = useStudio((s) => s.models.find((m) => m.id === s.modelId)?.manifest);
  const classes = useStudio((s) => s.latent.classes);
  const setLatent = useStudio((s) => s.setLatent);
  const latent = useStudio((s) => s.latent);
  // A one-hot class vector cannot say which class the blend goes towards: remember the user's pick
  // here, or choosing the target at blend 0 (the only way to start a blend) would be lost.
  const [towards, setTowards] = useState<number | null>(null);
  if (!manifest || manifest.c_dim === 0) return null;
  const names = manifest.class_names;
  const blend = asBlend(classes);
  const { a, t } = blend;
  const b = blend.b === a && towards !== null && towards < names.length ? towards : blend.b;
  const set = (next: { a?: number; b?: number; t?: number }) => {
    if (next.b !== undefined) setTowards(next.b);
    setLatent({ ...latent, classes: toClasses(next.a ?? a, next.b ?? b, next.t ?? t) });
  };
  const options = names.map((name, i) => (
    <option key={i} value={i}>
      {name}
    </option>
  ));
  return (
    <section className="class-panel" aria-label="Class">
      <h2>Class</h2>
      <div className="field">
        <label htmlFor="class-select">Class</label>
        <select id="class-select" data-testid="class-select" value={a} onChange={(e) => set({ a: Number(e.target.value) })}>
          {options}
        </select>
      </div>
      <div className="field">
        <label htmlFor="class-select-b">Blend towards</label>
        <select id="class-select-b" data-testid="class-select-b" value={b} onChange={(e) => set({ b: Number(e.target.value) })}>
          {options}
        </select>
      </div>
      <SliderField id="class-blend" label="Blend" value={t} min={0} max={1} step={0.01} digits={2} onChange={(next) => set({ t: next })} />
    </section>
  );
}
