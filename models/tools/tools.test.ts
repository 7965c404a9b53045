/**
 * Runs the model tools' Python test scripts (models/tools/tests/*.py) so CI covers the StyleGAN
 * modules, the NVIDIA pickle converter and the ONNX export: each script exits non-zero on failure
 * and ends with a summary line. Then the exporters' packages against the studio's checks, and
 * check_onnx.mjs on verification files that must fail it. Skipped, with the reason printed, where
 * the interpreter (test-support/python.ts: PYTHON, default /usr/bin/python3) lacks torch and onnx.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../app/model/manifest';
import { checkPackageGraphs, readOnnxInfo } from '../../app/model/onnx';
import { PYTHON, pythonMissing as missing } from '../../test-support/python';

const TESTS = path.resolve(__dirname, 'tests');
// A few seconds of CPU each, but torch's import alone takes seconds on a busy 2-core machine.
const SCRIPT_TIMEOUT_MS = 240_000;

/** Why the Python tests cannot run here, or '' when they can. */
const pythonMissing = missing('torch', 'onnx', 'numpy');

interface ScriptResult {
  code: number | null;
  output: string;
}

function runPython(args: string[]): Promise<ScriptResult> {
  return new Promise((resolve) => {
    execFile(PYTHON, args, { timeout: SCRIPT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      // A non-zero exit arrives as `error`; the exit code and the output are what the test reports.
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** The scripts and the summary line each prints when every check passed. */
const SCRIPTS: Array<[string, RegExp]> = [
  ['test_networks.py', /^test_networks: all checks passed$/m],
  ['test_networks_sg3.py', /^test_networks_sg3: \d+ checks passed$/m],
  ['test_pickle_convert.py', /^test_pickle_convert: \d+ checks passed; ONNX max abs error .+$/m],
  ['test_biggan.py', /^test_biggan: \d+ checks passed; ONNX max abs error .+$/m],
  ['test_tool_inputs.py', /^test_tool_inputs: \d+ checks passed$/m],
];

describe.skipIf(pythonMissing !== '')('model tools (Python)', () => {
  for (const [script, summary] of SCRIPTS) {
    it(
      script,
      async () => {
        const { code, output } = await runPython([path.join(TESTS, script)]);
        expect(code, output).toBe(0);
        expect(output).toMatch(summary);
      },
      SCRIPT_TIMEOUT_MS + 10_000,
    );
  }
});

describe.skipIf(pythonMissing !== '')('export_stylegan.py packages with extra synthesis inputs pass the studio checks', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'export-inputs-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const small = ['--resolution', '16', '--z-dim', '8', '--w-dim', '8', '--channel-base', '256', '--channel-max', '16'];

  async function exportPackage(name: string, flags: string[]) {
    const dir = path.join(out, name);
    const args = [path.resolve(__dirname, 'export_stylegan.py'), '--random', ...small, ...flags, '--out', dir, '--verify-json', path.join(out, `${name}.json`)];
    const { code, output } = await runPython(args);
    expect(code, output).toBe(0);
    const manifest = parseManifest(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')));
    const graphs = Object.fromEntries(
      Object.entries(manifest.graphs).map(([key, spec]) => [key, readOnnxInfo(readFileSync(path.join(dir, spec.file)), spec.file)]),
    );
    return { manifest, graphs };
  }

  it(
    'StyleGAN2 --noise-inputs: one [1, 1, res, res] input per noise layer, declared with its const file',
    async () => {
      const { manifest, graphs } = await exportPackage('noise', ['--noise-inputs']);
      expect(checkPackageGraphs(manifest, graphs)).toEqual([]);
      const layers = ['b4.conv1', 'b8.conv0', 'b8.conv1', 'b16.conv0', 'b16.conv1'];
      expect(manifest.noise_inputs).toEqual(layers.map((l) => ({ name: `noise_${l}`, resolution: Number(l.slice(1, l.indexOf('.'))), const_file: 'noise_const.npz' })));
      expect(manifest.graphs.synthesis!.inputs).toEqual(['ws', ...layers.map((l) => `noise_${l}`)]);
      const dims = Object.fromEntries(graphs.synthesis!.inputs.map((v) => [v.name, v.dims]));
      expect(dims['noise_b8.conv0']).toEqual([1, 1, 8, 8]);
      expect(graphs.synthesis!.outputs[0]!.dims).toEqual(['batch', 3, 16, 16]);
    },
    SCRIPT_TIMEOUT_MS,
  );

  it(
    'StyleGAN3 --transform-input: a [3, 3] input declared with its default',
    async () => {
      const { manifest, graphs } = await exportPackage('transform', ['--arch', 'stylegan3-t', '--num-layers', '4', '--transform-input']);
      expect(checkPackageGraphs(manifest, graphs)).toEqual([]);
      expect(manifest.transform_input).toEqual({ name: 'transform', default: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] });
      expect(manifest.graphs.synthesis!.inputs).toEqual(['ws', 'transform']);
      expect(manifest.ws_resolutions).toHaveLength(manifest.num_ws);
      const transform = graphs.synthesis!.inputs.find((v) => v.name === 'transform');
      expect(transform?.dims).toEqual([3, 3]);
    },
    SCRIPT_TIMEOUT_MS,
  );
});

describe.skipIf(pythonMissing !== '')('check_onnx.mjs fails what is not a match', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'check-onnx-'));
  const pkg = path.join(out, 'pkg');
  const verify = path.join(out, 'verify.json');
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  beforeAll(async () => {
    const args = [path.resolve(__dirname, 'export_stylegan.py'), '--random', '--resolution', '16', '--z-dim', '8', '--w-dim', '8', '--channel-base', '256', '--channel-max', '16', '--out', pkg, '--id', 'check-onnx-test', '--verify-json', verify];
    const { code, output } = await runPython(args);
    expect(code, output).toBe(0);
  }, SCRIPT_TIMEOUT_MS);

  /** check_onnx.mjs on the export's verification JSON after `edit`. */
  function check(name: string, edit: (doc: any) => void): { code: number | null; output: string } {
    const doc = JSON.parse(readFileSync(verify, 'utf8'));
    edit(doc);
    const file = path.join(out, `${name}.json`);
    writeFileSync(file, JSON.stringify(doc));
    const res = spawnSync(process.execPath, [path.resolve(__dirname, 'check_onnx.mjs'), file], { encoding: 'utf8', timeout: SCRIPT_TIMEOUT_MS });
    return { code: res.status, output: `${res.stdout}${res.stderr}` };
  }

  it('passes the export as written, comparing against a float64 reference with a stated tolerance', () => {
    const doc = JSON.parse(readFileSync(verify, 'utf8'));
    expect(doc.reference).toBe('float64');
    expect(doc.tolerance).toBeGreaterThan(0);
    expect(doc.tolerance).toBeLessThan(1e-3);
    const { code, output } = check('as-written', () => {});
    expect(code, output).toBe(0);
    expect(output).toMatch(/^check-onnx-test worst max abs error \S+$/m);
  }, SCRIPT_TIMEOUT_MS);

  it('fails when the graph outputs NaN (a z beyond float32 range), instead of counting NaN as 0', () => {
    const { code, output } = check('nan', (doc) => {
      doc.cases[0].z[0] = 1e39; // Infinity in float32: the mapping's normalisation gives NaN
    });
    expect(code, output).toBe(1);
    expect(output).toMatch(/FAIL check-onnx-test seed 0 psi 1 ws: max abs error NaN/);
  }, SCRIPT_TIMEOUT_MS);

  it('fails a case without its ws reference, and a reference of other dims', () => {
    const noWs = check('no-ws', (doc) => {
      delete doc.cases[1].ws;
    });
    expect(noWs.code, noWs.output).toBe(1);
    expect(noWs.output).toMatch(/lacks ws/);
    const dims = check('dims', (doc) => {
      doc.cases[0].img_shape = [1, 3, 8, 32];
    });
    expect(dims.code, dims.output).toBe(1);
    expect(dims.output).toMatch(/img dims \[1,3,16,16\], reference \[1,3,8,32\]/);
  }, SCRIPT_TIMEOUT_MS);

  it('fails an output beyond the tolerance, and a JSON without one', () => {
    const off = check('off', (doc) => {
      doc.cases[2].img[5] += 10 * doc.tolerance;
    });
    expect(off.code, off.output).toBe(1);
    expect(off.output).toMatch(/FAIL .* img: max abs error/);
    const old = check('old', (doc) => {
      delete doc.tolerance;
    });
    expect(old.code, old.output).toBe(1);
    expect(old.output).toMatch(/no "tolerance"/);
  }, SCRIPT_TIMEOUT_MS);
});
