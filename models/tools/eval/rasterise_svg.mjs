// Draws SVG files as RGB PNGs of one size on white, with the Chromium the e2e tests use, for
// inversion_eval_set.py (OpenMoji ships SVG only, and Debian's Python has no SVG renderer).
// Usage: node models/tools/eval/rasterise_svg.mjs <size> <out-dir> <a.svg> [b.svg ...]
// Writes <out-dir>/00.png, 01.png, … in the order given. CHROMIUM_PATH overrides /usr/bin/chromium.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [sizeArg, outDir, ...files] = process.argv.slice(2);
const size = Number(sizeArg);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
try {
  const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
  for (const [i, file] of files.entries()) {
    const svg = readFileSync(file).toString('base64');
    await page.setContent(
      `<body style="margin:0;background:#fff"><img id="e" width="${size}" height="${size}" style="display:block" src="data:image/svg+xml;base64,${svg}"></body>`,
    );
    await page.locator('#e').evaluate((img) => img.decode());
    await page.screenshot({ path: path.join(outDir, `${String(i).padStart(2, '0')}.png`), omitBackground: false });
  }
} finally {
  await browser.close();
}
