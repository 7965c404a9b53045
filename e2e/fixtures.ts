/**
 * E2E fixtures: a real browser host (the built `dist/web/server.mjs`, started as a user would)
 * per worker, and a page that fails the test on any console error or uncaught exception.
 */
import { test as base, expect, type Page } from '@playwright/test';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBrowserHost } from '../test-support/browser-host';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A browser host started for the tests. */
export interface HostProcess {
  url: string;
  origin: string;
  token: string;
}

/**
 * Start the built browser host (test-support/browser-host.ts) and wait until it is ready. Its user
 * data (saved directions) goes to a fresh temporary folder, never the user's own.
 */
export async function startHost(env: Record<string, string> = {}): Promise<HostProcess & { child: ChildProcess }> {
  const { child, url } = await startBrowserHost(ROOT, { LATENT_STUDIO_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'latent-studio-e2e-')), ...env });
  const parsed = new URL(url);
  return { child, url, origin: parsed.origin, token: parsed.searchParams.get('token') ?? '' };
}

type Fixtures = { studio: StudioPage };
export type StudioOptions = { backend: 'wasm' | 'webgpu' };
type WorkerFixtures = { host: HostProcess };

/** The studio opened in a page, with helpers to read what the preview shows. */
export class StudioPage {
  /** Console errors a test provokes on purpose (see {@link expectConsoleErrors}). */
  readonly expectedConsoleErrors: RegExp[] = [];

  constructor(
    readonly page: Page,
    readonly host: HostProcess,
    readonly backend: 'wasm' | 'webgpu',
  ) {}

  /**
   * Accept console errors matching `pattern`: a test that sends the host bad input gets HTTP 4xx
   * answers on purpose, and Chromium logs each one ("Failed to load resource: … 400").
   */
  expectConsoleErrors(pattern: RegExp): void {
    this.expectedConsoleErrors.push(pattern);
  }

  /** Open the studio on `model` with the fixture's backend forced. */
  async open(model = 'fixture-stylegan-tiny'): Promise<void> {
    const url = new URL(this.host.url);
    url.searchParams.set('backend', this.backend);
    url.searchParams.set('model', model);
    await this.page.goto(url.toString());
    await expect(this.page.getByTestId('backend-badge')).toHaveAttribute('data-backend', this.backend);
  }

  /** Wait until the preview shows the frame of `key` (see app/state/latent-state.ts stateKey). */
  async waitForFrame(key: string): Promise<void> {
    await expect(this.page.getByTestId('preview-canvas')).toHaveAttribute('data-rendered-key', key);
  }

  /** The preview's pixels (RGBA) as drawn. */
  async pixels(): Promise<{ width: number; height: number; data: number[] }> {
    return this.page.getByTestId('preview-canvas').evaluate((canvas: HTMLCanvasElement) => {
      const ctx = canvas.getContext('2d')!;
      const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
      return { width: image.width, height: image.height, data: Array.from(image.data) };
    });
  }
}

export const test = base.extend<Fixtures & StudioOptions, WorkerFixtures>({
  backend: ['wasm', { option: true }],
  host: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const host = await startHost();
      await use(host);
      host.child.kill('SIGTERM');
    },
    { scope: 'worker' },
  ],
  studio: async ({ page, host, backend }, use) => {
    const problems: string[] = [];
    const studio = new StudioPage(page, host, backend);
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !studio.expectedConsoleErrors.some((p) => p.test(msg.text()))) problems.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await use(studio);
    expect(problems, 'the page logged errors').toEqual([]);
  },
});

export { expect };
