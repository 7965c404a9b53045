/**
 * Helpers for specs that export files and drop them back: the studio fixture with a host whose
 * export folder (and other settings) the spec chooses, reading a PNG it saved, and dropping a PNG
 * on the window.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, startHost, type HostProcess } from './fixtures';
import { decodePng, type PngImage } from '../app/codecs/png';

/**
 * The studio fixture with one host per worker started with `env` (e.g. LATENT_STUDIO_EXPORT_DIR, so
 * the spec can read what the studio saves).
 */
export function testWithHost(env: Record<string, string>) {
  return test.extend<object, { host: HostProcess }>({
    host: [
      // eslint-disable-next-line no-empty-pattern
      async ({}, use) => {
        const host = await startHost(env);
        await use(host);
        host.child.kill('SIGTERM');
      },
      { scope: 'worker' },
    ],
  });
}

/** Drop `bytes` as a PNG file named `name` onto the studio window. */
export async function dropPng(page: Page, bytes: Uint8Array, name: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ data, fileName }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], fileName, { type: 'image/png' }));
      return transfer;
    },
    { data: Array.from(bytes), fileName: name },
  );
  await page.dispatchEvent('body', 'dragover', { dataTransfer });
  await page.dispatchEvent('body', 'drop', { dataTransfer });
}

/** The PNG file `name` the studio saved in `dir`, as bytes and decoded. */
export function readExportedPng(dir: string, name: string): { png: Uint8Array; image: PngImage } {
  const png = new Uint8Array(readFileSync(path.join(dir, name)));
  return { png, image: decodePng(png) };
}
