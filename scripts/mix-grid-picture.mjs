// `node scripts/mix-grid-picture.mjs`: make docs/mix-grid.png, a style-mixing grid of the bundled
// `emoji-stylegan` model exported by the studio itself — the browser host (dist/web/server.mjs,
// built by `node scripts/build.mjs`) driven in headless Chromium through the same buttons a user
// presses: Mixing grid… → seeds → Render → Export PNG. The file is the studio's own export, so it
// carries the grid's `latent-studio` record (docs/PROVENANCE.md).
//
// Options: --model <id> (emoji-stylegan) --a <seeds> (A, columns) --b <seeds> (B, rows)
// --layers coarse|middle|fine (coarse) --scale 1|2|4 (2) --out <file> (docs/mix-grid.png).
// Chromium: $CHROMIUM_PATH or /usr/bin/chromium.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'emoji-stylegan' },
    a: { type: 'string', default: '14,23,38,39' },
    b: { type: 'string', default: '0,21,27,45' },
    layers: { type: 'string', default: 'coarse' },
    scale: { type: 'string', default: '2' },
    out: { type: 'string', default: path.join(root, 'docs/mix-grid.png') },
  },
});
if (!['coarse', 'middle', 'fine'].includes(args.layers)) throw new Error(`--layers must be coarse, middle or fine, not "${args.layers}"`);
const server = path.join(root, 'dist/web/server.mjs');
if (!existsSync(server)) throw new Error(`${server} is missing: run "node scripts/build.mjs" first`);

const scratch = mkdtempSync(path.join(tmpdir(), 'latent-studio-mix-grid-'));
const exportDir = path.join(scratch, 'exports');
const host = spawn(process.execPath, [server], {
  cwd: root,
  env: { ...process.env, PORT: '0', LATENT_STUDIO_EXPORT_DIR: exportDir, LATENT_STUDIO_DATA_DIR: path.join(scratch, 'data') },
  stdio: ['ignore', 'pipe', 'inherit'],
});

/** The host's `Latent Studio: <url>` line. */
function hostUrl() {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the browser host did not start within 30 s: ${out}`)), 30_000);
    host.stdout.on('data', (chunk) => {
      out += chunk.toString();
      const match = /^Latent Studio: (\S+)$/m.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    host.once('exit', (code) => reject(new Error(`the browser host exited with ${code}`)));
  });
}

let browser;
try {
  const url = new URL(await hostUrl());
  url.searchParams.set('model', args.model);
  // WASM: the same pixels on every machine (headless WebGPU would be SwiftShader at best).
  url.searchParams.set('backend', 'wasm');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(url.toString());
  await page.getByTestId('backend-badge').and(page.locator('[data-backend="wasm"]')).waitFor({ timeout: 120_000 });
  await page.locator('[data-testid="preview-canvas"][data-rendered-key]').waitFor({ timeout: 120_000 });

  await page.getByTestId('export-menu').click();
  await page.getByTestId('export-scale').selectOption(args.scale);
  await page.getByTestId('export-menu').click();

  await page.getByTestId('mix-grid-open').click();
  const grid = page.getByTestId('mix-grid');
  await grid.getByTestId('mix-grid-seeds-a').fill(args.a);
  await grid.getByTestId('mix-grid-seeds-b').fill(args.b);
  await grid.getByTestId('mix-grid-preset').selectOption(args.layers);
  await grid.getByTestId('mix-grid-render').click();
  const exportButton = grid.getByTestId('mix-grid-export');
  await page.waitForFunction((el) => !el.disabled, await exportButton.elementHandle(), { timeout: 300_000 });
  await exportButton.click();
  const status = page.getByTestId('export-status');
  await page.waitForFunction((el) => /^Saved /.test(el.textContent ?? ''), await status.elementHandle(), { timeout: 120_000 });
  const [file] = readdirSync(exportDir).filter((name) => name.endsWith('.png'));
  if (!file) throw new Error(`the studio reported "${await status.textContent()}" but ${exportDir} holds no PNG`);
  copyFileSync(path.join(exportDir, file), args.out);
  console.log(`Wrote ${path.relative(root, args.out)} (the studio's ${file})`);
} finally {
  await browser?.close();
  host.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
}
