// ui-latency of two builds of the studio run for run, in one Chromium: did a change (or a commit
// range) make the ψ drag slower, or was the machine busier? Sequential bench runs of two builds
// minutes apart compare two loads, not two builds (docs/PERFORMANCE.md, issue 17's ui-latency).
//
//   node bench/ab-latency.mjs <root A> <root B> [model] [rounds]
//
// Each root is a built checkout (node scripts/build.mjs there; `git archive <commit> | tar -x` and a
// node_modules link make an old one). Both browser hosts are started on their own bundled models,
// one page each (?backend=wasm, latent map open and settled, as the bench's ui-latency), 10 s of
// drags each to warm WASM up, then bursts of 25 ψ steps in turns (A B, B A, …): each round's
// medians, the median of the round medians, and the median of the per-round difference B − A.
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const [rootA, rootB, model = 'fixture-stylegan-tiny', roundsArg = '10'] = process.argv.slice(2);
if (!rootA || !rootB) {
  console.error('usage: node bench/ab-latency.mjs <root A> <root B> [model] [rounds]');
  process.exit(2);
}
const BURST = 25;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

/** Start the built browser host of `root` on a fresh data folder; resolves with its process and address. */
function startHost(root) {
  const data = mkdtempSync(path.join(tmpdir(), 'ab-latency-'));
  const child = spawn(process.execPath, [path.join(root, 'dist', 'web', 'server.mjs')], {
    cwd: root,
    env: { ...process.env, PORT: '0', LATENT_STUDIO_INCLUDE_FIXTURES: '1', LATENT_STUDIO_DATA_DIR: data },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`the browser host of ${root} exited with ${code}: is it built (node scripts/build.mjs)?`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /^Latent Studio: (\S+)$/m.exec(out);
      if (match) resolve({ child, url: match[1], data });
    });
  });
}

/** In the page: `runs` ψ steps as the bench's ui-latency times them (input event → canvas pixels read back), in ms. */
function burst(page, runs) {
  return page.evaluate(async (runs) => {
    const slider = document.querySelector('[data-testid="psi-slider"]');
    const canvas = document.querySelector('[data-testid="preview-canvas"]');
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    const times = [];
    for (let i = 0; i < runs; i++) {
      const before = canvas.dataset.frames;
      const drawn = new Promise((resolve) => {
        const observer = new MutationObserver(() => {
          if (canvas.dataset.frames === before) return;
          observer.disconnect();
          resolve();
        });
        observer.observe(canvas, { attributes: true, attributeFilter: ['data-frames'] });
      });
      const started = performance.now();
      setValue.call(slider, (0.5 + (i % 40) * 0.01).toFixed(2));
      slider.dispatchEvent(new Event('input', { bubbles: true }));
      await drawn;
      canvas.getContext('2d').getImageData(0, 0, 1, 1);
      times.push(performance.now() - started);
    }
    return times;
  }, runs);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-gpu'],
});
const hosts = [];
try {
  const pages = [];
  for (const root of [rootA, rootB]) {
    const host = await startHost(root);
    hosts.push(host);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const url = new URL(host.url);
    url.searchParams.set('backend', 'wasm');
    url.searchParams.set('model', model);
    await page.goto(url.toString());
    await page.waitForSelector('[data-testid="backend-badge"][data-backend="wasm"]', { timeout: 120_000 });
    await page.waitForSelector('[data-testid="preview-canvas"][data-frames]', { timeout: 600_000 });
    await page.waitForSelector('[data-testid="latent-map"][data-status="ready"]', { timeout: 600_000 });
    pages.push(page);
  }
  for (const page of pages) for (const end = Date.now() + 10_000; Date.now() < end; ) await burst(page, 20);
  const rounds = [];
  for (let r = 0; r < Number(roundsArg); r++) {
    const round = [0, 0];
    for (const i of r % 2 ? [1, 0] : [0, 1]) round[i] = median(await burst(pages[i], BURST));
    rounds.push(round);
    console.log(`round ${r}  load ${load()}  A ${round[0].toFixed(2)} ms  B ${round[1].toFixed(2)} ms`);
  }
  console.log(`${model}: A ${median(rounds.map((r) => r[0])).toFixed(2)} ms, B ${median(rounds.map((r) => r[1])).toFixed(2)} ms, B − A per round ${median(rounds.map((r) => r[1] - r[0])).toFixed(2)} ms (median of ${rounds.length} rounds of ${BURST})`);
} finally {
  await browser.close();
  for (const host of hosts) {
    host.child.kill('SIGTERM');
    rmSync(host.data, { recursive: true, force: true });
  }
}
