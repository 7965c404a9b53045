// `npm test`: the whole suite — build, lint, type-check, unit tests (Vitest), e2e (Playwright) —
// then one closing line that counts every test of both runners, skipped ones separately.
// With LATENT_STUDIO_REQUIRE_ALL=1 (CI sets it in .ci/run) a skipped test fails the run unless
// scripts/expected-skips.json lists it (scripts/skip-policy.mjs), and each such skip is named.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSkips, describeSkip, parseExpectedSkips, playwrightSkips, vitestSkips } from './skip-policy.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const requireAll = process.env.LATENT_STUDIO_REQUIRE_ALL === '1';
// Read first, so that a malformed list fails before the long run rather than after it.
const expectedSkips = requireAll ? parseExpectedSkips(JSON.parse(readFileSync(path.join(ROOT, 'scripts/expected-skips.json'), 'utf8'))) : [];

const out = mkdtempSync(path.join(tmpdir(), 'latent-studio-test-'));
const vitestJson = path.join(out, 'vitest.json');
const playwrightJson = path.join(out, 'playwright.json');
const extra = process.argv.slice(2);

function step(title, command, args, env = {}) {
  console.log(`\n── ${title}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
let ok = step('build', process.execPath, ['scripts/build.mjs']);
ok = step('lint', npx, ['eslint', '.']) && ok;
ok = step('type-check', npx, ['tsc', '--noEmit', '-p', 'tsconfig.json']) && ok;
ok = step('type-check app/ without DOM or Node', npx, ['tsc', '--noEmit', '-p', 'app/tsconfig.json']) && ok;
ok = step('unit tests', npx, ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`, ...extra]) && ok;
ok = step('e2e', npx, ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson }) && ok;

const count = { passed: 0, failed: 0, skipped: 0 };
const skips = [];
try {
  const v = JSON.parse(readFileSync(vitestJson, 'utf8'));
  count.passed += v.numPassedTests;
  count.failed += v.numFailedTests;
  count.skipped += v.numPendingTests + (v.numTodoTests ?? 0);
  skips.push(...vitestSkips(v, ROOT));
} catch {
  count.failed += 1; // no report: the unit-test run itself failed
}
try {
  const p = JSON.parse(readFileSync(playwrightJson, 'utf8'));
  count.passed += p.stats.expected + p.stats.flaky;
  // Errors outside tests (a spec that fails to load) fail the run too.
  count.failed += p.stats.unexpected + (p.errors?.length ?? 0);
  count.skipped += p.stats.skipped;
  skips.push(...playwrightSkips(p, ROOT));
} catch {
  count.failed += 1;
}
let unexpected = 0;
if (requireAll) {
  const verdict = checkSkips(skips, expectedSkips);
  unexpected = verdict.unexpected.length;
  console.log(`\n── required mode: ${skips.length - unexpected} expected skips, ${unexpected} unexpected`);
  for (const skip of verdict.unexpected) console.log(`unexpected skip: ${describeSkip(skip)}`);
  for (const rule of verdict.unused) console.log(`note: scripts/expected-skips.json rule for ${rule.file} [${rule.project ?? 'any project'}] matched no skip`);
}
const skipped = requireAll ? `${count.skipped} skipped (${unexpected} not on scripts/expected-skips.json)` : `${count.skipped} skipped`;
console.log(`\n${count.passed} passed, ${count.failed} failed, ${skipped}`);
process.exit(ok && count.failed === 0 && unexpected === 0 ? 0 : 1);
