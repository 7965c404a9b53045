/**
 * Two browser hosts side by side in one browser (issue 18, items 1–2): cookies are shared by every
 * port of a host name, so a host that authenticated by cookie broke the first tab when a second
 * host started. The token now lives in each page (sessionStorage is per origin, port included), so
 * both tabs keep rendering, across reloads, and no cookie exists for another local server to read.
 * A third tab opens the first host at `localhost`, whose POSTs once got 403.
 */
import type { Page } from '@playwright/test';
import { test, expect, startHost, type HostProcess } from './fixtures';
import { latentState, stateKey } from '../app/state/latent-state';

const MODEL = 'fixture-stylegan-tiny';

async function openAt(page: Page, host: HostProcess, name: string, backend: string): Promise<void> {
  const url = new URL(host.url);
  url.hostname = name;
  url.searchParams.set('backend', backend);
  url.searchParams.set('model', MODEL);
  await page.goto(url.toString());
}

async function seedShows(page: Page, seed: number): Promise<void> {
  await page.getByTestId('seed-input').fill(String(seed));
  await expect(page.getByTestId('preview-canvas')).toHaveAttribute('data-rendered-key', stateKey(MODEL, latentState({ seed, psi: 1, cutoff: null })));
}

test('two hosts in one browser: each tab keeps working across reloads, and no cookie is set', async ({ context, backend }) => {
  // Two hosts and three tabs, each loading the model: several times one studio test's work.
  test.setTimeout(300_000);
  const hosts = [await startHost(), await startHost()];
  const problems: string[] = [];
  try {
    const pages = [await context.newPage(), await context.newPage(), await context.newPage()];
    for (const page of pages) {
      page.on('console', (msg) => void (msg.type() === 'error' && problems.push(msg.text())));
      page.on('pageerror', (error) => problems.push(error.message));
    }
    await openAt(pages[0]!, hosts[0]!, '127.0.0.1', backend);
    await seedShows(pages[0]!, 3);
    // The second host starts serving a tab after the first is up, as when a user runs `npm run web` twice.
    await openAt(pages[1]!, hosts[1]!, '127.0.0.1', backend);
    await seedShows(pages[1]!, 4);
    for (const page of pages.slice(0, 2)) expect(new URL(page.url()).searchParams.has('token'), 'the token left the address bar').toBe(false);
    // A reload asks its host again for everything: the page, the model list, the model files.
    for (const [i, page] of pages.slice(0, 2).entries()) {
      expect((await page.reload())?.status(), 'the reloaded page is served').toBe(200);
      await seedShows(page, 10 + i);
    }
    await openAt(pages[2]!, hosts[0]!, 'localhost', backend);
    await seedShows(pages[2]!, 6);
    expect(await context.cookies()).toEqual([]);
  } finally {
    for (const host of hosts) host.child.kill('SIGTERM');
  }
  expect(problems, 'the pages logged errors').toEqual([]);
});
