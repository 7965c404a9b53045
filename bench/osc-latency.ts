/**
 * The live path's latency (issue 15): from an OSC datagram sent by Node to the studio's UDP port
 * to the new frame's pixels read back from the preview canvas, in the real studio (browser host:
 * UDP socket → event stream → page → inference worker → canvas). Timed on the page that has just
 * timed the plain ψ drag (chromium.ts), so the two rows differ only by the OSC path. Node and the
 * page stamp times on the same clock (epoch ms: timeOrigin + now), since the message starts in
 * one and ends in the other.
 */
import type { Page } from '@playwright/test';
import { freeUdpPort, oscMessage, oscSender } from '../test-support/osc-sender';
import type { RunPlan } from './rows';

/** Epoch milliseconds with sub-millisecond precision (the page uses the same formula). */
function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Turn on OSC reception in the page (a fresh port), then for each run: arm a watcher on the canvas,
 * send `/latent/psi` with a new value, and take the time the page read the new frame's pixels.
 * Returns each latency in ms after the plan's warm-up.
 */
export async function oscLatencies(page: Page, plan: RunPlan): Promise<number[]> {
  const port = await freeUdpPort();
  await page.fill('[data-testid="osc-port"]', String(port));
  // An earlier page may have left the host listening: this page then follows it, box ticked, and
  // the new port moves the socket there; otherwise the box turns reception on.
  if (!(await page.isChecked('[data-testid="osc-listen"]'))) await page.click('[data-testid="osc-listen"]');
  await page.waitForFunction((p) => document.querySelector('[data-testid="osc-status"]')?.textContent === `Listening on 127.0.0.1:${p}`, port, { timeout: 30_000 });
  const sender = oscSender(port);
  const times: number[] = [];
  const warming = epochNow();
  let warmups = 0;
  try {
    for (let i = 0; times.length < plan.runs; i++) {
      await page.evaluate(() => {
        const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="preview-canvas"]')!;
        const before = canvas.dataset.frames;
        (window as unknown as { __oscDrawn: Promise<number> }).__oscDrawn = new Promise((resolve) => {
          const observer = new MutationObserver(() => {
            if (canvas.dataset.frames === before) return;
            observer.disconnect();
            canvas.getContext('2d')!.getImageData(0, 0, 1, 1);
            resolve(performance.timeOrigin + performance.now());
          });
          observer.observe(canvas, { attributes: true, attributeFilter: ['data-frames'] });
        });
      });
      const sent = epochNow();
      // A new ψ each time (0.30, 0.31, …, away from the drag's values): the same value draws no frame.
      await sender.send(oscMessage('/latent/psi', Number((0.3 + (i % 20) * 0.01).toFixed(2))));
      const drawn = await page.evaluate(() => (window as unknown as { __oscDrawn: Promise<number> }).__oscDrawn);
      const ms = drawn - sent;
      if (warmups < plan.warmup || (warmups < 2000 && sent - warming < plan.warmupMs)) warmups++;
      else times.push(ms);
    }
  } finally {
    sender.close();
  }
  return times;
}
