/**
 * The studio's file choosers (import a model, open a project) are hidden file inputs rendered by
 * the top bar; commands open them from the keyboard and the menu through this registry.
 */
export type ChooserKind = 'model' | 'project';

const choosers = new Map<ChooserKind, () => void>();

/** Register the opener of a chooser (on mount); returns the unregister function (for unmount). */
export function registerChooser(kind: ChooserKind, open: () => void): () => void {
  choosers.set(kind, open);
  return () => {
    if (choosers.get(kind) === open) choosers.delete(kind);
  };
}

/** Open a chooser; must run in a user gesture (a click or key press), as browsers require. */
export function openChooser(kind: ChooserKind): void {
  choosers.get(kind)?.();
}
