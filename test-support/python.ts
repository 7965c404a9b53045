/**
 * Debian's Python (numpy, scipy, torch, onnx) as the reference the unit tests compare against.
 * One place decides which interpreter runs, how a missing one is reported (the test skips and says
 * why) and how a failing script is reported (the test fails with its stderr).
 */
import { spawnSync } from 'node:child_process';

/** The interpreter with Debian's python3-numpy/-scipy/-torch/-onnx (`PYTHON` overrides it). */
export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

const probes = new Map<string, string>();

/**
 * Why `modules` cannot be imported by {@link PYTHON}, or '' when they can. The first caller for a
 * set of modules also prints the reason, so a skipped comparison is visible in the test output.
 */
export function pythonMissing(...modules: string[]): string {
  const key = modules.join(', ');
  let reason = probes.get(key);
  if (reason === undefined) {
    const probe = spawnSync(PYTHON, ['-c', `import ${key}`], { encoding: 'utf8' });
    reason = probe.status === 0 ? '' : `${PYTHON} with ${key} is unavailable (${probe.error?.message ?? probe.stderr.trim()})`;
    if (reason) console.warn(`skipping the ${key} reference comparisons: ${reason}`);
    probes.set(key, reason);
  }
  return reason;
}

function run(argv: string[]): string {
  const result = spawnSync(PYTHON, argv, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${PYTHON} ${argv[0] === '-c' ? '-c <script>' : argv[0]} failed (exit ${result.status}):\n${result.stderr}`);
  return result.stdout;
}

/** Run `script` (Python source, as `python3 -c`) with `args` and return its stdout; a failure throws with its stderr. */
export function python(script: string, ...args: string[]): string {
  return run(['-c', script, ...args]);
}

/** {@link python}, its stdout parsed as JSON. */
export function pythonJson<T>(script: string, ...args: string[]): T {
  return JSON.parse(python(script, ...args)) as T;
}

/** Run the Python file `file` with `args` and return its stdout parsed as JSON. */
export function pythonFileJson<T>(file: string, ...args: string[]): T {
  return JSON.parse(run([file, ...args])) as T;
}

/** Python's `float.hex()` text (or 'inf', '-inf', 'nan') → the float64 it stands for, exactly. */
export function fromHex(text: string): number {
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  if (text === 'nan') return NaN;
  const m = /^(-?)0x([01])\.([0-9a-f]+)p([+-]\d+)$/.exec(text);
  if (!m) throw new Error(`not a float.hex string: ${text}`);
  // At most 53 significant bits, so the integer and the power-of-two scaling are both exact.
  const value = parseInt(m[2]! + m[3]!, 16) * 2 ** (Number(m[4]) - 4 * m[3]!.length);
  return m[1] ? -value : value;
}
