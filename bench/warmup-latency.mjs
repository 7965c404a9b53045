// ui-latency after a model loads on WASM (the worker's warm-up, docs/PERFORMANCE.md): psi input → canvas pixels
// read back, after an idle pause. Usage: node bench/warmup-latency.mjs <studio url> <model> [drag seconds] [idle seconds]
import { chromium } from '@playwright/test';
const [url, model, seconds = '12', idle = '0'] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const u = new URL(url); u.searchParams.set('backend', 'wasm'); u.searchParams.set('model', model);
await page.goto(u.toString());
await page.waitForSelector('[data-testid="backend-badge"][data-backend="wasm"]', { timeout: 120000 });
await page.waitForSelector('[data-testid="preview-canvas"][data-frames]', { timeout: 120000 });
await page.waitForTimeout(Number(idle) * 1000);
const samples = await page.evaluate(async (seconds) => {
  const slider = document.querySelector('[data-testid="psi-slider"]');
  const canvas = document.querySelector('[data-testid="preview-canvas"]');
  const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  const out = [];
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < seconds * 1000; i++) {
    const before = canvas.dataset.frames;
    const drawn = new Promise((resolve) => {
      const o = new MutationObserver(() => { if (canvas.dataset.frames !== before) { o.disconnect(); resolve(); } });
      o.observe(canvas, { attributes: true, attributeFilter: ['data-frames'] });
    });
    const started = performance.now();
    setValue.call(slider, (0.5 + (i % 40) * 0.01).toFixed(2));
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    await drawn;
    canvas.getContext('2d').getImageData(0, 0, 1, 1);
    out.push([started - t0, performance.now() - started]);
  }
  return out;
}, Number(seconds));
const buckets = new Map();
for (const [t, ms] of samples) { const b = Math.floor(t / 1000); if (!buckets.has(b)) buckets.set(b, []); buckets.get(b).push(ms); }
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
console.log('second  frames  median_ms');
for (const [b, a] of buckets) console.log(`${String(b).padStart(6)}  ${String(a.length).padStart(6)}  ${median(a).toFixed(1)}`);
console.log(`all: ${samples.length} frames, median ${median(samples.map((s) => s[1])).toFixed(1)} ms`);
await browser.close();
