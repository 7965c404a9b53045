/**
 * The live slice with the real store and undo history: learn mode takes a target only while it is
 * on, a new binding replaces one on the same input and ends learn mode, and adding or removing a
 * binding is an undoable step that brings the binding back exactly.
 */
import { describe, expect, it } from 'vitest';
import { createStudioStore } from './index';
import { UndoHistory } from '../commands/history';
import type { LiveBinding } from '../../app/control/live';
import { selectTargetMix } from './slices/live';

const cc = (number: number, target: LiveBinding['target']): LiveBinding => ({ source: 'midi', message: 'cc', channel: 0, number, target, range: { min: -1, max: 2 } });

describe('live slice', () => {
  it('takes a touched control only in learn mode, and leaves learn mode when a binding is made', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().setLearnTarget({ target: { kind: 'psi' }, label: 'ψ' });
    expect(s().learnTarget).toBeNull();
    s().setLearning(true);
    s().setLearnTarget({ target: { kind: 'psi' }, label: 'ψ' });
    expect(s().learnTarget).toEqual({ target: { kind: 'psi' }, label: 'ψ' });
    s().addBinding(cc(7, { kind: 'psi' }));
    expect(s().learning).toBe(false);
    expect(s().learnTarget).toBeNull();
  });

  it('replaces the binding of an input bound again, and keeps others', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().addBinding(cc(7, { kind: 'psi' }));
    s().addBinding({ source: 'osc', address: '/1/fader1', target: { kind: 'psi' }, range: { min: 0, max: 1 } });
    s().addBinding(cc(7, { kind: 'noise-strength' }));
    expect(s().live.bindings.map((b) => (b.source === 'midi' ? `cc${b.number}:${b.target.kind}` : b.address))).toEqual(['/1/fader1', 'cc7:noise-strength']);
  });

  it('undoes and redoes adding and removing a binding', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().selectModel('model-a');
    let clock = 0;
    const history = new UndoHistory(store, { now: () => clock });
    s().addBinding(cc(7, { kind: 'psi' }));
    clock += 1000;
    s().removeBinding(0);
    expect(s().live.bindings).toEqual([]);
    history.undo();
    expect(s().live.bindings).toEqual([cc(7, { kind: 'psi' })]);
    history.undo();
    expect(s().live.bindings).toEqual([]);
    history.redo();
    expect(s().live.bindings).toEqual([cc(7, { kind: 'psi' })]);
  });

  it('keeps the LIVE panel\'s selection the same object through a ψ drag and a seed change, and changes it with the mixing sources', () => {
    // useStudio re-renders a component whenever its selection is a different object: the panel
    // (and its OSC and binding rows) must not re-render on every ψ step of a drag.
    const store = createStudioStore();
    const s = () => store.getState();
    const before = selectTargetMix(s());
    const latentBefore = s().latent;
    for (const psi of [0.5, 0.51, 0.52]) s().setPsi(psi);
    s().setSeed(9);
    expect(s().latent).not.toBe(latentBefore);
    expect(selectTargetMix(s())).toBe(before);
    s().addMixSource(3);
    expect(selectTargetMix(s())).not.toBe(before);
    expect(selectTargetMix(s()).map((m) => m.seed)).toEqual([1, 3]);
  });
});
