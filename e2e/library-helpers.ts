/**
 * Helpers for specs that drive the model library and project files: choosing files through the
 * real file choosers, dropping files on the window, and reading the library list.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';

/** Write `bytes` as `name` in the test's output folder; returns the path. */
export function corpusFile(dir: string, name: string, bytes: Uint8Array | string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** Click the control `testId` (import-model, project-open) and answer its file chooser with `files`. */
export async function chooseFiles(page: Page, testId: string, files: string | string[]): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId(testId).click();
  await (await chooser).setFiles(files);
}

/** Drop files on the studio window as the OS would (a DataTransfer holding File objects). */
export async function dropFiles(page: Page, files: { name: string; bytes: Uint8Array }[]): Promise<void> {
  await page.evaluate((list) => {
    const transfer = new DataTransfer();
    for (const { name, bytes } of list) transfer.items.add(new File([new Uint8Array(bytes)], name));
    for (const type of ['dragenter', 'dragover', 'drop']) {
      document.querySelector('.studio')!.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
    }
  }, files.map((f) => ({ name: f.name, bytes: Array.from(f.bytes) })));
}

/** The ids of the models the library panel lists, in order (opens the panel if needed). */
export async function libraryIds(page: Page): Promise<string[]> {
  const toggle = page.getByTestId('library-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  const list = page.getByTestId('library-list');
  await expect(list).toBeVisible();
  return list.getByTestId('library-item').evaluateAll((items) => items.map((i) => i.getAttribute('data-model-id') ?? ''));
}
