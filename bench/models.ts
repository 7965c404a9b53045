/**
 * The models the bench times: the bundled packages in models/, the fixture, and random-weight
 * architectures generated on the fly by the repository's exporters (cached, regenerated when the
 * exporter or its network code changes).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Manifest } from '../app/model/manifest';
import { readManifest } from '../main/services/library';
import { isStageManifestJson } from '../app/model/stage-manifest';

/** Debian's Python with PyTorch and onnx (DESIGN.md §5); `PYTHON` overrides it. */
export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

/** How torch-cpu rebuilds the generator behind a package. */
export type TorchSource =
  | { kind: 'fixture' }
  | { kind: 'random'; exporterArgs: string[] }
  | { kind: 'biggan-random'; exporterArgs: string[] }
  | { kind: 'checkpoint'; path: string }
  | { kind: 'biggan-checkpoint'; path: string }
  | { kind: 'none'; reason: string };

/** A package to time. */
export interface BenchModel {
  id: string;
  dir: string;
  manifest: Manifest;
  torch: TorchSource;
}

/** A model that could not be made, and why (printed as a skipped row). */
export interface MissingModel {
  id: string;
  reason: string;
}

/** A random-weight architecture made by an exporter (models/tools). */
interface Recipe {
  id: string;
  name: string;
  exporter: string;
  /** Folders of network code the graph depends on besides the exporter (for the cache key). */
  sources: string[];
  args: string[];
}

const STYLEGAN2 = ['--random', '--z-dim', '512', '--w-dim', '512', '--map-layers', '8', '--channel-max', '512', '--seed', '0'];

/** Random-weight StyleGAN2 at 256 (stylegan2-ada's paper256 config) and 1024 (config F), BigGAN-deep 256. */
export const RECIPES: readonly Recipe[] = [
  {
    id: 'random-stylegan2-256',
    name: 'Random StyleGAN2 256 (paper256 config)',
    exporter: 'export_stylegan.py',
    sources: ['stylegan'],
    args: [...STYLEGAN2, '--resolution', '256', '--channel-base', '16384'],
  },
  {
    id: 'random-stylegan2-1024',
    name: 'Random StyleGAN2 1024 (config F)',
    exporter: 'export_stylegan.py',
    sources: ['stylegan'],
    args: [...STYLEGAN2, '--resolution', '1024', '--channel-base', '32768'],
  },
  {
    id: 'random-biggan-deep-256',
    name: 'Random BigGAN-deep 256',
    exporter: 'export_biggan.py',
    sources: ['biggan'],
    // The exporter's own tests check the graph against PyTorch; the bench only needs the package.
    args: ['--random', '--resolution', '256', '--seed', '0', '--no-verify'],
  },
];

/** The bundled packages (models/<name>/) and the fixture, in that order. */
export async function bundledModels(root: string): Promise<BenchModel[]> {
  const modelsDir = path.join(root, 'models');
  const dirs: string[] = [];
  for (const entry of (await fs.readdir(modelsDir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const manifestFile = path.join(modelsDir, entry.name, 'manifest.json');
    // Image-to-image stages are no generators: bench/super-resolution.ts times them.
    if (entry.isDirectory() && existsSync(manifestFile) && !isStageManifestJson(JSON.parse(await fs.readFile(manifestFile, 'utf8')))) dirs.push(path.join(modelsDir, entry.name));
  }
  dirs.push(path.join(modelsDir, 'fixtures', 'stylegan-tiny'));
  const models: BenchModel[] = [];
  for (const dir of dirs) {
    const manifest = await readManifest(dir);
    models.push({ id: manifest.id, dir, manifest, torch: torchSourceOf(root, dir, manifest) });
  }
  return models;
}

/** The training scripts whose checkpoints torch_bench.py can load, by manifest `generator.source`. */
const CHECKPOINT_KINDS: Record<string, 'checkpoint' | 'biggan-checkpoint'> = {
  'train_stylegan.py checkpoint': 'checkpoint',
  'train_biggan.py checkpoint': 'biggan-checkpoint',
};

function torchSourceOf(root: string, dir: string, manifest: Manifest): TorchSource {
  const source = String(manifest.generator?.source);
  if (path.resolve(dir) === path.join(root, 'models', 'fixtures', 'stylegan-tiny')) return { kind: 'fixture' };
  const kind = CHECKPOINT_KINDS[source];
  if (kind) {
    const checkpoint = path.join(root, 'models', 'tools', 'checkpoints', `${manifest.id}.pt`);
    if (existsSync(checkpoint)) return { kind, path: checkpoint };
    return { kind: 'none', reason: `its checkpoint ${path.relative(root, checkpoint)} is not in this checkout` };
  }
  return { kind: 'none', reason: `PyTorch weights of a "${source}" package cannot be rebuilt here` };
}

/** A hash of the files' names (relative to `base`, so another checkout of the same code hits the cache) and contents. */
async function hashFiles(base: string, files: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files.sort()) hash.update(path.relative(base, file)).update(await fs.readFile(file));
  return hash.digest('hex');
}

async function pythonFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await fs.readdir(dir)).filter((f) => f.endsWith('.py')).map((f) => path.join(dir, f));
}

function runExporter(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', (error) => reject(new Error(`could not run ${PYTHON}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      // The exporters print tracer warnings first; the error is at the end.
      else reject(new Error(`${path.basename(args[0]!)} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/**
 * Make (or reuse from `cacheDir`) the packages of `recipes`. A recipe whose exporter is missing or
 * fails is returned in `missing` with the reason; progress goes to `log`.
 */
export async function generatedModels(
  root: string,
  cacheDir: string,
  recipes: readonly Recipe[],
  log: (line: string) => void,
): Promise<{ models: BenchModel[]; missing: MissingModel[] }> {
  const tools = path.join(root, 'models', 'tools');
  const models: BenchModel[] = [];
  const missing: MissingModel[] = [];
  for (const recipe of recipes) {
    const exporter = path.join(tools, recipe.exporter);
    if (!existsSync(exporter)) {
      missing.push({ id: recipe.id, reason: `models/tools/${recipe.exporter} does not exist yet (the model-packages issue adds it)` });
      continue;
    }
    const dir = path.join(cacheDir, recipe.id);
    const sources = [exporter, ...(await Promise.all(recipe.sources.map((s) => pythonFiles(path.join(tools, s))))).flat()];
    const key = `${await hashFiles(tools, sources)} ${recipe.args.join(' ')}`;
    const stamp = path.join(dir, '.bench-key');
    const cached = existsSync(stamp) && (await fs.readFile(stamp, 'utf8')) === key;
    if (!cached) {
      log(`generating ${recipe.id} with ${recipe.exporter} (cached in ${dir} afterwards) …`);
      const started = performance.now();
      await fs.rm(dir, { recursive: true, force: true });
      try {
        await runExporter(
          [exporter, ...recipe.args, '--out', dir, '--id', recipe.id, '--name', recipe.name, '--verify-json', path.join(cacheDir, `${recipe.id}.verify.json`)],
          root,
        );
      } catch (error) {
        missing.push({ id: recipe.id, reason: (error as Error).message });
        continue;
      }
      await fs.writeFile(stamp, key);
      log(`  ${recipe.id}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    const manifest = await readManifest(dir);
    const torch: TorchSource = manifest.family === 'stylegan' ? { kind: 'random', exporterArgs: recipe.args } : { kind: 'biggan-random', exporterArgs: recipe.args };
    models.push({ id: recipe.id, dir, manifest, torch });
  }
  return { models, missing };
}
