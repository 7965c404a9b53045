/**
 * Issue 8's targets, checked on a bench's rows: each line gives the ratio, the target and whether
 * it is met. Figures compare rows of the same model, stage and thread count.
 */
import type { Row, Runtime } from './rows';

const GRAPH_STAGES = new Set(['mapping', 'synthesis', 'generator']);

function find(rows: readonly Row[], model: string, runtime: Runtime, stage: string, threads: number): Row | undefined {
  // Interleaved rows (with a spread) have their own ratio lines (bench/interleaved.ts).
  return rows.find((r) => r.model === model && r.runtime === runtime && r.stage === stage && r.threads === threads && r.p10_ms === undefined);
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'MISSED';
}

/** One line per comparable pair of rows, under a heading. */
export function targetLines(rows: readonly Row[], threads: number): string[] {
  const lines = [`targets (rows at ${threads} thread(s)):`];
  for (const row of rows) {
    if (row.threads !== threads || !GRAPH_STAGES.has(row.stage) || row.p10_ms !== undefined) continue;
    const bare = find(rows, row.model, 'ort-node', row.stage, threads);
    if (!bare) continue;
    const ratio = row.median_ms / bare.median_ms;
    if (row.runtime === 'studio-native') {
      lines.push(`  studio-native / ort-node   ${row.model} ${row.stage}: ${ratio.toFixed(2)}× (target ≤ 1.15×) ${verdict(ratio <= 1.15)}`);
    } else if (row.runtime === 'wasm-node' || row.runtime === 'wasm-chromium') {
      lines.push(`  ${row.runtime} / ort-node ${row.runtime === 'wasm-node' ? '    ' : ''}${row.model} ${row.stage}: ${ratio.toFixed(2)}× (aim ≤ 2.5×) ${verdict(ratio <= 2.5)}`);
    }
  }
  for (const row of rows) {
    if (row.stage === 'ui-latency') {
      // The studio's worker picks its own thread count: compare with the page run at the same count.
      // WASM against the same runtime's synthesis in a page; native against bare onnxruntime-node's.
      const base: Runtime = row.runtime === 'web-native' ? 'ort-node' : 'wasm-chromium';
      const synthesis = find(rows, row.model, base, 'synthesis', row.threads) ?? rows.find((r) => r.model === row.model && r.runtime === base && r.stage === 'synthesis' && r.threads === row.threads);
      if (!synthesis) {
        lines.push(`  ui-latency ${row.runtime} ${row.model}: ${row.median_ms.toFixed(1)} ms (no ${base} synthesis row at ${row.threads} thread(s) to compare)`);
        continue;
      }
      const limit = 1.15 * synthesis.median_ms + 8;
      lines.push(`  ui-latency ${row.runtime} ${row.model}: ${row.median_ms.toFixed(1)} ms vs ${base} synthesis ${synthesis.median_ms.toFixed(1)} ms (target ≤ ${limit.toFixed(1)} ms) ${verdict(row.median_ms <= limit)}`);
    } else if (row.stage === 'export-frame') {
      const synthesis = find(rows, row.model, row.runtime, 'synthesis', row.threads) ?? find(rows, row.model, row.runtime, 'generator', row.threads);
      if (!synthesis) continue;
      const ratio = row.median_ms / synthesis.median_ms;
      lines.push(`  export-frame / inference ${row.runtime} ${row.model}: ${ratio.toFixed(2)}× (target ≤ 1.2×) ${verdict(ratio <= 1.2)}`);
    } else if (row.stage === 'map-frame') {
      // The target is set at the map's largest sample; other counts are reported beside it.
      const atMax = row.note?.startsWith('20000 points') ?? false;
      const target = atMax ? ` (target ≤ 16.7 ms) ${verdict(row.median_ms <= 16.7)}` : '';
      lines.push(`  map-frame ${row.model}, ${row.note?.split(',')[0] ?? ''}: ${row.median_ms.toFixed(1)} ms${target}`);
    }
  }
  return lines;
}
