/**
 * The performance window's rules, against a recording stand-in for BrowserWindow (Electron cannot
 * launch here): frameless and full screen on the studio's display, the studio window's isolation
 * and sandbox, the perform page on app://studio, one window at a time, Escape leaving full screen
 * and F11 toggling it.
 */
import { describe, expect, it, vi } from 'vitest';
import type { BrowserWindowConstructorOptions } from 'electron';
import { PERFORM_URL, PerformWindow, type PerformBrowserWindow } from './perform-window';

type InputListener = (event: { preventDefault(): void }, input: { type: string; key: string }) => void;

function fakeWindow() {
  let fullScreen = true;
  let destroyed = false;
  const closed: Array<() => void> = [];
  const input: InputListener[] = [];
  const window = {
    loadURL: vi.fn(async () => {}),
    focus: vi.fn(),
    isDestroyed: () => destroyed,
    isFullScreen: () => fullScreen,
    setFullScreen: vi.fn((flag: boolean) => (fullScreen = flag)),
    on: (_event: 'closed', listener: () => void) => closed.push(listener),
    webContents: { on: (_event: 'before-input-event', listener: InputListener) => input.push(listener) },
  } satisfies PerformBrowserWindow;
  return {
    window,
    press: (key: string, type = 'keyDown') => {
      const event = { preventDefault: vi.fn() };
      for (const listener of input) listener(event, { type, key });
      return event;
    },
    close: () => {
      destroyed = true;
      for (const listener of closed) listener();
    },
  };
}

function setup() {
  const made: Array<{ options: BrowserWindowConstructorOptions; fake: ReturnType<typeof fakeWindow> }> = [];
  class RecordingWindow {
    constructor(options: BrowserWindowConstructorOptions) {
      const fake = fakeWindow();
      made.push({ options, fake });
      return fake.window;
    }
  }
  const perform = new PerformWindow({
    BrowserWindow: RecordingWindow as unknown as new (options: BrowserWindowConstructorOptions) => PerformBrowserWindow,
    displayBounds: () => ({ x: 1920, y: 0, width: 1280, height: 720 }),
    preload: '/app/dist/electron/preload.cjs',
  });
  return { perform, made };
}

describe('the performance window', () => {
  it('opens frameless and full screen on the studio’s display, sandboxed like the studio window, on the perform page', async () => {
    const { perform, made } = setup();
    await perform.open();
    expect(made).toHaveLength(1);
    const { options, fake } = made[0]!;
    expect(options).toMatchObject({ x: 1920, y: 0, width: 1280, height: 720, frame: false, fullscreen: true });
    expect(options.webPreferences).toEqual({
      preload: '/app/dist/electron/preload.cjs',
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
    });
    expect(fake.window.loadURL).toHaveBeenCalledExactlyOnceWith('app://studio/index.html?view=perform');
    expect(PERFORM_URL).toBe('app://studio/index.html?view=perform');
  });

  it('leaves full screen on Escape (only while full screen, on key down), and F11 enters it again', async () => {
    const { perform, made } = setup();
    await perform.open();
    const { fake } = made[0]!;
    expect(fake.press('a').preventDefault).not.toHaveBeenCalled();
    expect(fake.press('Escape', 'keyUp').preventDefault).not.toHaveBeenCalled();
    expect(fake.window.setFullScreen).not.toHaveBeenCalled();
    expect(fake.press('Escape').preventDefault).toHaveBeenCalled();
    expect(fake.window.setFullScreen).toHaveBeenCalledExactlyOnceWith(false);
    expect(fake.press('Escape').preventDefault).not.toHaveBeenCalled();
    expect(fake.press('F11').preventDefault).toHaveBeenCalled();
    expect(fake.window.setFullScreen).toHaveBeenLastCalledWith(true);
    expect(fake.window.isFullScreen()).toBe(true);
  });

  it('keeps one window: a second open focuses it, and after it closes a new one opens', async () => {
    const { perform, made } = setup();
    await perform.open();
    await perform.open();
    expect(made).toHaveLength(1);
    expect(made[0]!.fake.window.focus).toHaveBeenCalledTimes(1);
    made[0]!.fake.close();
    await perform.open();
    expect(made).toHaveLength(2);
  });
});
