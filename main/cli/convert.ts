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

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const HELP = `Usage: npm run convert -- <checkpoint> <outdir> [options]

Converts a checkpoint into a model package folder (manifest.json + ONNX graphs), as
models/tools/export_stylegan.py / export_biggan.py would, without Python.

  <checkpoint>         an NVIDIA network pickle (.pkl: stylegan2-ada-pytorch, stylegan3), or a
                       pytorch-pretrained-BigGAN folder (config.json + pytorch_model.bin) or a zip of one
  <outdir>             the package folder to write (must not exist yet, or be empty)
  --id <id>            package id (default: from the file name)
  --name <name>        display name (default: from the file name)
  --noise-inputs       StyleGAN2: every noise layer becomes a synthesis input
  --transform-input    StyleGAN3: the input transform becomes a synthesis input
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
    return 0;
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    process.stderr.write(`convert: ${error.message}\n`);
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
