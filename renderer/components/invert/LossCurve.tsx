/**
 * The inversion's loss so far as a small curve (log scale, so the late, small gains still show)
 * with the current value as text, which tests and screen readers read.
 */

const WIDTH = 240;
const HEIGHT = 60;

/** See the module comment. `losses`: the best loss after each generation, in order. */
export function LossCurve({ losses }: { losses: readonly number[] }) {
  const logs = losses.filter((v) => v > 0).map(Math.log);
  const lo = Math.min(...logs);
  const hi = Math.max(...logs);
  const points = logs.map((v, i) => `${((i / Math.max(1, logs.length - 1)) * WIDTH).toFixed(1)},${(hi > lo ? ((hi - v) / (hi - lo)) * (HEIGHT - 4) + 2 : HEIGHT / 2).toFixed(1)}`);
  const current = losses.at(-1);
  return (
    <figure className="invert-loss" data-testid="invert-loss" data-loss={current ?? ''} aria-label="Loss curve">
      <svg width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={current === undefined ? 'No loss yet' : `Loss over ${losses.length} steps`}>
        <polyline points={points.join(' ')} fill="none" stroke="currentColor" strokeWidth={1.5} />
      </svg>
      <figcaption>{current === undefined ? 'loss —' : `loss ${current.toPrecision(4)}`}</figcaption>
    </figure>
  );
}
