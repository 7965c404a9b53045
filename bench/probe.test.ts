import { it } from 'vitest';
import path from 'node:path';
import { openWasmRunner } from '../main/inference/ort-web-node';
import { readManifest } from '../main/services/library';
import { createPipeline } from '../app/pipeline/render';
import { latentState } from '../app/pipeline/state';
it('probe psi speed', async () => {
  const dir = path.resolve(__dirname, '../models/emoji-stylegan');
  const m = await readManifest(dir);
  const runner = await openWasmRunner(dir, m, { numThreads: 1 });
  const p = createPipeline(runner, m);
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
  for (let round = 0; round < 3; round++) {
    for (const psi of [1, 0.6, 0.5]) {
      for (const seed of [0, 1]) {
        const ws = await p.resolveWs(latentState({ seed, psi }));
        const t: number[] = [];
        for (let i = 0; i < 15; i++) { const s = performance.now(); await p.synthesize(ws); t.push(performance.now() - s); }
        console.log(round, 'seed', seed, 'psi', psi, med(t).toFixed(1));
      }
    }
  }
  await runner.dispose();
}, 300000);
