import { describe, expect, it, vi } from 'vitest';
import { handleKey, matches, shortcutLabel, studioCommands, type Command, type KeyInput } from './commands';
import { studioHistory } from './history';
import { studioStore } from '../store';

function key(key: string, mods: Partial<Pick<KeyInput, 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>> = {}, target: unknown = null): KeyInput {
  return { key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, target: target as EventTarget, preventDefault: vi.fn(), ...mods };
}

const textField = { tagName: 'INPUT', type: 'text' };
const slider = { tagName: 'INPUT', type: 'range' };

describe('shortcuts', () => {
  it('matches Ctrl on other systems and ⌘ on macOS, with exact Shift', () => {
    const undo = { key: 'z', mod: true };
    expect(matches(key('z', { ctrlKey: true }), undo, false)).toBe(true);
    expect(matches(key('z', { metaKey: true }), undo, false)).toBe(false);
    expect(matches(key('z', { metaKey: true }), undo, true)).toBe(true);
    expect(matches(key('Z', { ctrlKey: true, shiftKey: true }), undo, false)).toBe(false);
    expect(matches(key('Z', { ctrlKey: true, shiftKey: true }), { key: 'z', mod: true, shift: true }, false)).toBe(true);
    expect(matches(key('z', { ctrlKey: true, altKey: true }), undo, false)).toBe(false);
  });

  it('writes shortcuts the way each platform does', () => {
    expect(shortcutLabel({ key: 'z', mod: true, shift: true }, false)).toBe('Ctrl+Shift+Z');
    expect(shortcutLabel({ key: 'z', mod: true, shift: true }, true)).toBe('⇧⌘Z');
    expect(shortcutLabel({ key: 'k' }, false)).toBe('K');
  });

  it('runs the matching enabled command, leaving text fields their own keys', () => {
    const perform = vi.fn();
    let enabled = true;
    const commands: Command[] = [
      { id: 'seed.random', label: 'Random', shortcuts: [{ key: 'r' }], perform },
      { id: 'project.save', label: 'Save', shortcuts: [{ key: 's', mod: true }], enabled: () => enabled, perform },
      { id: 'edit.undo', label: 'Undo', shortcuts: [{ key: 'z', mod: true }], perform },
    ];
    const press = (k: KeyInput) => handleKey(commands, k, false);
    expect(press(key('r'))).toBe(true);
    expect(press(key('r', {}, textField))).toBe(false); // typing an "r"
    expect(press(key('s', { ctrlKey: true }, textField))).toBe(true); // Save works while typing
    expect(press(key('z', { ctrlKey: true }, textField))).toBe(false); // the field's own undo
    expect(press(key('z', { ctrlKey: true }, slider))).toBe(true); // a slider has none
    enabled = false;
    const disabled = key('s', { ctrlKey: true });
    expect(press(disabled)).toBe(false);
    expect(disabled.preventDefault).not.toHaveBeenCalled();
    expect(perform).toHaveBeenCalledTimes(3);
  });
});

describe('the studio commands', () => {
  it('give every command a unique id and label, and every shortcut to one command only', () => {
    const commands = studioCommands();
    expect(new Set(commands.map((c) => c.id)).size).toBe(commands.length);
    const shortcuts = commands.flatMap((c) => c.shortcuts.map((s) => shortcutLabel(s, false)));
    expect(new Set(shortcuts).size).toBe(shortcuts.length);
  });

  it('undo with Ctrl+Z, redo with Ctrl+Shift+Z and Ctrl+Y, through the real history', () => {
    const s = () => studioStore.getState();
    s().selectModel('m');
    studioHistory.reset();
    s().setSeed(1);
    studioHistory.checkpoint();
    s().setSeed(2);
    const commands = studioCommands();
    handleKey(commands, key('z', { ctrlKey: true }), false);
    expect(s().latent.seed).toBe(1);
    handleKey(commands, key('z', { ctrlKey: true }), false);
    expect(s().latent.seed).toBe(0);
    handleKey(commands, key('Z', { ctrlKey: true, shiftKey: true }), false);
    expect(s().latent.seed).toBe(1);
    handleKey(commands, key('y', { ctrlKey: true }), false);
    expect(s().latent.seed).toBe(2);
  });
});
