/**
 * How the studio is installed (issue 18, item 7): onnxruntime-node, the desktop app's native
 * runtime, is optional (browser-host users need not install native binaries), its install script
 * is switched off by ways npm keeps honouring (the package's own environment switch where installs
 * happen, and package.json's allowScripts), and the project .npmrc holds no key npm warns about.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, unknown> | undefined>;
const npm = spawnSync('npm', ['--version'], { encoding: 'utf8' });

describe('install configuration', () => {
  it('lists onnxruntime-node as optional only, with its install script denied', () => {
    expect(pkg.dependencies?.['onnxruntime-node']).toBeUndefined();
    expect(pkg.optionalDependencies?.['onnxruntime-node']).toMatch(/^\^1\./);
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
  });

  it('skips the CUDA download where CI installs', () => {
    const ci = readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    const exported = ci.indexOf('export ONNXRUNTIME_NODE_INSTALL=skip');
    expect(exported).toBeGreaterThan(-1);
    expect(exported).toBeLessThan(ci.indexOf('npm ci'));
  });

  it.skipIf(npm.status !== 0)('has an .npmrc npm reads without warning', () => {
    const run = spawnSync('npm', ['config', 'get', 'fund'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).not.toMatch(/Unknown project config|will stop working/);
  });
});
