/**
 * The required-mode rule of `npm test` (scripts/skip-policy.mjs) on synthetic Vitest and Playwright
 * JSON reports shaped like the real ones (Vitest 3 `--reporter=json`, Playwright 1.65 `json`), and
 * the committed expected-skips list checked against the repository it describes.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSkips, describeSkip, parseExpectedSkips, playwrightSkips, vitestSkips } from './skip-policy.mjs';

const ROOT = path.resolve(__dirname, '..');

const vitestReport = {
  numPendingTests: 2,
  testResults: [
    {
      name: path.join(ROOT, 'app/latent/seed.test.ts'),
      assertionResults: [
        { ancestorTitles: ['seeds'], title: 'match numpy', status: 'passed' },
        { ancestorTitles: ['seeds', 'scipy'], title: 'truncnorm', status: 'skipped' },
      ],
    },
    {
      name: path.join(ROOT, 'models/tools/tools.test.ts'),
      assertionResults: [
        { ancestorTitles: [], title: 'todo later', status: 'todo' },
        { ancestorTitles: [], title: 'fails', status: 'failed' },
      ],
    },
  ],
};

function pwTest(projectName: string, status: string, reason?: string) {
  const annotations = reason === undefined ? [] : [{ type: 'skip', description: reason }];
  return { projectName, status, annotations, results: [{ status: status === 'skipped' ? 'skipped' : 'passed', annotations }] };
}

const playwrightReport = {
  config: { rootDir: path.join(ROOT, 'e2e') },
  suites: [
    {
      title: 'library.spec.ts',
      file: 'library.spec.ts',
      specs: [
        {
          title: 'imports a zip',
          file: 'library.spec.ts',
          tests: [pwTest('chromium-wasm', 'expected'), pwTest('chromium-webgpu', 'skipped', 'the WASM project covers it')],
        },
      ],
      suites: [
        {
          title: 'folders',
          file: 'library.spec.ts',
          specs: [{ title: 'refuses a symlink', file: 'library.spec.ts', tests: [pwTest('chromium-wasm', 'skipped', 'no python')] }],
        },
      ],
    },
  ],
};

describe('vitestSkips / playwrightSkips', () => {
  it('lists every skipped, pending and todo Vitest test with its file and full title', () => {
    expect(vitestSkips(vitestReport, ROOT)).toEqual([
      { runner: 'vitest', file: 'app/latent/seed.test.ts', title: 'seeds › scipy › truncnorm', project: null, reason: null },
      { runner: 'vitest', file: 'models/tools/tools.test.ts', title: 'todo later', project: null, reason: null },
    ]);
  });

  it('lists skipped Playwright tests per project with describe titles and the skip reason', () => {
    expect(playwrightSkips(playwrightReport, ROOT)).toEqual([
      { runner: 'playwright', file: 'e2e/library.spec.ts', title: 'imports a zip', project: 'chromium-webgpu', reason: 'the WASM project covers it' },
      { runner: 'playwright', file: 'e2e/library.spec.ts', title: 'folders › refuses a symlink', project: 'chromium-wasm', reason: 'no python' },
    ]);
  });
});

describe('checkSkips', () => {
  const skips = [...vitestSkips(vitestReport, ROOT), ...playwrightSkips(playwrightReport, ROOT)];

  it('fails every skip when nothing is expected', () => {
    expect(checkSkips(skips, []).unexpected).toHaveLength(4);
  });

  it('accepts a skip only in the project and for the reason the rule names', () => {
    const rule = { runner: 'playwright' as const, file: 'e2e/library.spec.ts', project: 'chromium-webgpu', skipReason: 'the WASM project covers it', why: 'one-project UI flow' };
    const { unexpected, unused } = checkSkips(skips, [rule]);
    expect(unexpected.map((s) => s.title)).toEqual(['seeds › scipy › truncnorm', 'todo later', 'folders › refuses a symlink']);
    expect(unused).toEqual([]);
    // The same file skipped in the other project, or for another reason, is still a failure.
    expect(checkSkips(skips, [{ ...rule, project: 'chromium-wasm' }]).unexpected).toHaveLength(4);
    expect(checkSkips(skips, [{ ...rule, skipReason: 'other' }]).unexpected).toHaveLength(4);
  });

  it('matches a Vitest skip by file and exact title, and reports rules that matched nothing', () => {
    const hit = { runner: 'vitest' as const, file: 'app/latent/seed.test.ts', title: 'seeds › scipy › truncnorm', why: 'x' };
    const miss = { runner: 'vitest' as const, file: 'app/latent/seed.test.ts', title: 'seeds › scipy', why: 'x' };
    const { unexpected, unused } = checkSkips(skips, [hit, miss]);
    expect(unexpected.map((s) => s.title)).not.toContain('seeds › scipy › truncnorm');
    expect(unexpected).toHaveLength(3);
    expect(unused).toEqual([miss]);
  });

  it('names a skip in one line a reader can find', () => {
    expect(describeSkip(playwrightSkips(playwrightReport, ROOT)[1]!)).toBe('playwright [chromium-wasm] e2e/library.spec.ts › folders › refuses a symlink (skipped: no python)');
  });
});

describe('parseExpectedSkips', () => {
  it('refuses rules without a reason, with unknown keys or Vitest rules naming a project', () => {
    expect(() => parseExpectedSkips({})).toThrow(/"skips" array/);
    expect(() => parseExpectedSkips({ skips: [{ runner: 'playwright', file: 'e2e/a.spec.ts' }] })).toThrow(/rule 0: "why"/);
    expect(() => parseExpectedSkips({ skips: [{ runner: 'playwright', file: 'a', why: 'b', titel: 'c' }] })).toThrow(/unknown key "titel"/);
    expect(() => parseExpectedSkips({ skips: [{ runner: 'vitest', file: 'a', why: 'b', project: 'p' }] })).toThrow(/no project/);
    expect(() => parseExpectedSkips({ skips: [{ runner: 'jest', file: 'a', why: 'b' }] })).toThrow(/runner/);
  });

  it('the committed list parses and names files that exist', () => {
    const rules = parseExpectedSkips(JSON.parse(readFileSync(path.join(ROOT, 'scripts/expected-skips.json'), 'utf8')));
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) expect(existsSync(path.join(ROOT, rule.file)), rule.file).toBe(true);
    // Skips for a missing tool are exactly what the required mode exists to catch.
    for (const rule of rules) expect(rule.skipReason ?? '').not.toMatch(/python|not installed|unavailable/i);
  });
});
