/**
 * The performance window (issue 15): a second, frameless window full screen on the display the
 * studio is on, showing only the picture (the renderer's `?view=perform` page, fed the studio's
 * frames over a BroadcastChannel). Same preload, same sandbox and the same CSP as the studio
 * window (the session's header rule covers it). Kept free of a run-time electron import, so that
 * main.ts hands in the real BrowserWindow and the rules here are unit-tested.
 */
import type { BrowserWindowConstructorOptions, Event, Input, Rectangle } from 'electron';
import { APP_ENTRY_URL } from './security';

/** The page the performance window loads. */
export const PERFORM_URL = `${APP_ENTRY_URL}?view=perform`;

/** The window calls used here (Electron's BrowserWindow has them all). */
export interface PerformBrowserWindow {
  loadURL(url: string): Promise<void>;
  focus(): void;
  isDestroyed(): boolean;
  isFullScreen(): boolean;
  setFullScreen(flag: boolean): void;
  on(event: 'closed', listener: () => void): unknown;
  webContents: { on(event: 'before-input-event', listener: (event: Pick<Event, 'preventDefault'>, input: Pick<Input, 'type' | 'key'>) => void): unknown };
}

/** What {@link PerformWindow} needs from Electron. */
export interface PerformWindowDeps {
  /** Electron's BrowserWindow (constructed here, so the options are written out at the call). */
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => PerformBrowserWindow;
  /** The bounds of the display the studio window is on (screen.getDisplayMatching). */
  displayBounds(): Rectangle;
  /** The preload script's path (the studio window's own). */
  preload: string;
}

/** One performance window at a time: opening it again brings the open one forward. */
export class PerformWindow {
  private window: PerformBrowserWindow | null = null;

  constructor(private readonly deps: PerformWindowDeps) {}

  /** Open the window (or focus the open one). */
  async open(): Promise<void> {
    if (this.window && !this.window.isDestroyed()) {
      this.window.focus();
      return;
    }
    const bounds = this.deps.displayBounds();
    const { BrowserWindow } = this.deps;
    const window = new BrowserWindow({
      // On the studio's display: a window is made full screen on the display it is placed on.
      x: bounds.x,
      y: bounds.y,
      width: bounds.width,
      height: bounds.height,
      frame: false,
      fullscreen: true,
      backgroundColor: '#000000',
      title: 'Latent Studio — performance',
      autoHideMenuBar: true,
      // Written out as for the studio window (main.ts), where a reader and Electronegativity see them.
      webPreferences: {
        preload: this.deps.preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        experimentalFeatures: false,
        webviewTag: false,
        navigateOnDragDrop: false,
        spellcheck: false,
      },
    });
    this.window = window;
    window.on('closed', () => {
      if (this.window === window) this.window = null;
    });
    // A frameless full-screen window has no title bar to leave it by: Escape leaves full screen,
    // and F11 toggles it (after the window was moved to the projector's display, say).
    window.webContents.on('before-input-event', (event, input) => {
      if (input.type !== 'keyDown') return;
      if (input.key === 'Escape' && window.isFullScreen()) {
        event.preventDefault();
        window.setFullScreen(false);
      } else if (input.key === 'F11') {
        event.preventDefault();
        window.setFullScreen(!window.isFullScreen());
      }
    });
    await window.loadURL(PERFORM_URL);
  }
}
