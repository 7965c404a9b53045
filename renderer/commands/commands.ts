/**
 * The studio's commands as data: id, label, shortcuts and what they do. One registry feeds the
 * keyboard, the project menu and the top bar's buttons, so a command reads the same everywhere
 * and its shortcut is shown where it is offered.
 */
import { openChooser } from '../platform/file-choosers';
import { studioHistory } from './history';
import { saveProject } from '../project/project';
import { MAX_SEED, studioStore } from '../store';

/** A key combination. `mod` is Ctrl, or ⌘ on macOS. */
export interface Shortcut {
  /** KeyboardEvent.key, lower case for letters. */
  key: string;
  mod?: boolean;
  shift?: boolean;
}

/** One command. */
export interface Command {
  id: string;
  label: string;
  shortcuts: readonly Shortcut[];
  /** Whether it can run now (menus grey it out; shortcuts do nothing); always when absent. */
  enabled?(): boolean;
  perform(): void | Promise<void>;
}

/** What the keyboard handler needs of a key event. */
export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  /** The focused element (text fields keep their own editing keys). */
  target: EventTarget | null;
  preventDefault(): void;
}

/** Whether this is a Mac, where the command key plays Ctrl's role. */
export function isMac(platform = globalThis.navigator?.platform ?? ''): boolean {
  return /mac|iphone|ipad/i.test(platform);
}

/** Whether `event` is `shortcut`. */
export function matches(event: Pick<KeyInput, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>, shortcut: Shortcut, mac = isMac()): boolean {
  const mod = mac ? event.metaKey : event.ctrlKey;
  const otherMod = mac ? event.ctrlKey : event.metaKey;
  return event.key.toLowerCase() === shortcut.key && mod === Boolean(shortcut.mod) && !otherMod && event.shiftKey === Boolean(shortcut.shift) && !event.altKey;
}

/** The shortcut as the platform writes it: "Ctrl+Shift+Z", or "⇧⌘Z" on macOS. */
export function shortcutLabel(shortcut: Shortcut, mac = isMac()): string {
  const key = shortcut.key.length === 1 ? shortcut.key.toUpperCase() : shortcut.key;
  if (mac) return `${shortcut.shift ? '⇧' : ''}${shortcut.mod ? '⌘' : ''}${key}`;
  return [shortcut.mod && 'Ctrl', shortcut.shift && 'Shift', key].filter(Boolean).join('+');
}

/** Whether the element edits text, where plain keys type and the text field's own undo applies. */
function editsText(target: EventTarget | null): boolean {
  const element = target as { tagName?: string; type?: string; isContentEditable?: boolean } | null;
  if (!element?.tagName) return false;
  if (element.isContentEditable || element.tagName === 'TEXTAREA') return true;
  return element.tagName === 'INPUT' && ['text', 'search', 'email', 'url', 'password'].includes(element.type ?? 'text');
}

/**
 * Run the command whose shortcut `event` is, if it is enabled. Text fields keep their own keys:
 * there, only shortcuts with the modifier that are not text editing (undo/redo) reach commands.
 * Returns whether a command ran.
 */
export function handleKey(commands: readonly Command[], event: KeyInput, mac = isMac()): boolean {
  const command = commands.find((c) => c.shortcuts.some((s) => matches(event, s, mac)));
  if (!command) return false;
  if (editsText(event.target) && (!command.shortcuts.some((s) => s.mod) || command.id === 'edit.undo' || command.id === 'edit.redo')) return false;
  if (command.enabled && !command.enabled()) return false;
  event.preventDefault();
  studioHistory.checkpoint();
  void command.perform();
  return true;
}

/** Listen for the commands' shortcuts on `target` (the window); returns the remover. */
export function installShortcuts(commands: () => readonly Command[], target: Pick<Window, 'addEventListener' | 'removeEventListener'> = window): () => void {
  const listener = (event: KeyboardEvent) => void handleKey(commands(), event);
  target.addEventListener('keydown', listener);
  return () => target.removeEventListener('keydown', listener);
}

/** The studio's commands, in menu order. */
export function studioCommands(): readonly Command[] {
  const store = () => studioStore.getState();
  const modelOpen = () => store().modelId !== null;
  return [
    { id: 'edit.undo', label: 'Undo', shortcuts: [{ key: 'z', mod: true }], enabled: () => studioHistory.canUndo, perform: () => studioHistory.undo() },
    {
      id: 'edit.redo',
      label: 'Redo',
      shortcuts: [
        { key: 'z', mod: true, shift: true },
        { key: 'y', mod: true },
      ],
      enabled: () => studioHistory.canRedo,
      perform: () => studioHistory.redo(),
    },
    { id: 'project.open', label: 'Open project…', shortcuts: [{ key: 'o', mod: true }], perform: () => openChooser('project') },
    { id: 'project.save', label: 'Save project', shortcuts: [{ key: 's', mod: true }], enabled: modelOpen, perform: () => saveProject(false) },
    { id: 'project.saveAs', label: 'Save project as…', shortcuts: [{ key: 's', mod: true, shift: true }], enabled: modelOpen, perform: () => saveProject(true) },
    { id: 'model.import', label: 'Import model…', shortcuts: [{ key: 'i', mod: true }], perform: () => openChooser('model') },
    { id: 'library.show', label: 'Model library', shortcuts: [], perform: () => store().setLibraryOpen(!store().libraryOpen) },
    { id: 'seed.random', label: 'Random seed', shortcuts: [{ key: 'r' }], enabled: modelOpen, perform: () => store().setSeed(Math.floor(Math.random() * (MAX_SEED + 1))) },
    { id: 'keyframe.add', label: 'Add keyframe', shortcuts: [{ key: 'k' }], enabled: modelOpen, perform: () => store().addKeyframe() },
  ];
}
