/**
 * `npm run convert -- <checkpoint> <outdir>`: write the model package of an NVIDIA `.pkl` or a
 * HuggingFace BigGAN folder (or zip) with no Python, for people who want the files (to share,
 * inspect or import elsewhere). The same conversion the import and `render --network` run.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CheckpointError } from '../../app/checkpoint/snapshot';
import { imagenetClassNames, readCheckpointInput, writeCheckpointPackage } from '../services/checkpoint-import';
import { ManifestError } from '../../app/model/manifest';
import { OnnxFormatError } from '../../app/model/onnx';
import { NATIVE_HOST_ENTRY } from '../inference/native/client';
import { addFp16Twins, Fp16Error, type Fp16Options } from './fp16';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const HELP = `Usage: npm run convert -- <checkpoint> <outdir> [options]
       npm run convert -- --fp16 --package <folder>

Converts a checkpoint into a model package folder (manifest.json + ONNX graphs), as
models/tools/export_stylegan.py / export_biggan.py would, without Python. With --package, adds
float16 twins to an existing package folder instead.

  <checkpoint>         an NVIDIA network pickle (.pkl: stylegan2-ada-pytorch, stylegan3), or a
                       pytorch-pretrained-BigGAN folder (config.json + pytorch_model.bin) or a zip of one
  <outdir>             the package folder to write (must not exist yet, or be empty)
  --id <id>            package id (default: from the file name)
  --name <name>        display name (default: from the file name)
  --noise-inputs       StyleGAN2: every noise layer becomes a synthesis input
  --transform-input    StyleGAN3: the input transform becomes a synthesis input
  --fp16               also write float16 twins of the frame graph (synthesis.fp16.onnx, or
                       generator.fp16.onnx), measure them against float32 on onnxruntime-node
                       and record both in the manifest; WebGPU adapters with shader-f16 load them
  --package <folder>   with --fp16: the existing package folder to add the twins to
  --seeds <list>       with --fp16: the seeds the error is measured on (default 0-7), e.g. 0,1,5
  -h, --help           this text
`;

/** Run the converter; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        id: { type: 'string' },
        name: { type: 'string' },
        'noise-inputs': { type: 'boolean' },
        'transform-input': { type: 'boolean' },
        fp16: { type: 'boolean' },
        package: { type: 'string' },
        seeds: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`convert: ${(error as Error).message}\nRun with --help for the options.\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let seeds: number[] | undefined;
  if (values.seeds !== undefined) {
    seeds = parseSeedList(values.seeds);
    if (!seeds) {
      process.stderr.write(`convert: --seeds ${values.seeds} is not a list of seeds; give e.g. 0-7 or 0,1,5\n`);
      return 2;
    }
  }
  const fp16Options = { nativeEntry: path.join(ROOT, NATIVE_HOST_ENTRY), ...(seeds ? { seeds } : {}), log: (line: string) => process.stdout.write(`${line}\n`) };
  if (values.package !== undefined) {
    if (!values.fp16 || positionals.length > 0) {
      process.stderr.write('convert: --package takes a package folder for --fp16, and no checkpoint: npm run convert -- --fp16 --package <folder>\n');
      return 2;
    }
    return runFp16(values.package, fp16Options);
  }
  if (positionals.length !== 2) {
    process.stderr.write('convert: give the checkpoint and the output folder\nRun with --help for the options.\n');
    return 2;
  }
  const [source, outdir] = positionals as [string, string];
  const existing = await fs.readdir(outdir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (existing.length > 0) {
    process.stderr.write(`convert: ${outdir} is not empty; give a new folder\n`);
    return 1;
  }
  const stat = await fs.stat(source).catch(() => null);
  if (!stat) {
    process.stderr.write(`convert: ${source} does not exist\n`);
    return 1;
  }
  const started = Date.now();
  try {
    const input = await readCheckpointInput(source, stat.isDirectory(), path.basename(path.resolve(source)));
    if (!input) {
      process.stderr.write(`convert: ${source} is not a checkpoint this converter reads (an NVIDIA .pkl, or a BigGAN folder with config.json and pytorch_model.bin)\n`);
      return 1;
    }
    const { manifest } = await writeCheckpointPackage(input, outdir, {
      ...(values.id ? { id: values.id } : {}),
      ...(values.name ? { name: values.name } : {}),
      noiseInputs: values['noise-inputs'] ?? false,
      transformInput: values['transform-input'] ?? false,
      imagenetClassNames: await imagenetClassNames(path.join(ROOT, 'models')),
    });
    process.stdout.write(`wrote ${outdir} (${manifest.id}: ${manifest.family}, ${manifest.resolution} px) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return values.fp16 ? runFp16(outdir, fp16Options) : 0;
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    process.stderr.write(`convert: ${error.message}\n`);
    return 1;
  }
}

/** `0-7` or `0,1,5` as seeds; undefined when it is neither. */
function parseSeedList(text: string): number[] | undefined {
  const range = /^(\d+)-(\d+)$/.exec(text);
  const seeds = range ? Array.from({ length: Math.max(0, Number(range[2]) - Number(range[1]) + 1) }, (_, i) => Number(range[1]) + i) : text.split(',').map((s) => (/^\d+$/.test(s) ? Number(s) : NaN));
  return seeds.length > 0 && seeds.length <= 1000 && seeds.every((s) => Number.isSafeInteger(s)) ? seeds : undefined;
}

/** Add float16 twins to the package in `dir`; resolves to the exit code. */
async function runFp16(dir: string, options: Fp16Options): Promise<number> {
  try {
    await addFp16Twins(dir, options);
    return 0;
  } catch (error) {
    if (!(error instanceof OnnxFormatError || error instanceof ManifestError || error instanceof Fp16Error || (error as NodeJS.ErrnoException).code === 'ENOENT')) throw error;
    process.stderr.write(`convert: ${dir}: ${(error as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`convert failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
