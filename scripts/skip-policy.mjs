// The rule behind `npm test`'s required mode (LATENT_STUDIO_REQUIRE_ALL=1, which CI sets): a skipped
// test fails the run unless scripts/expected-skips.json lists it with the reason it may skip there.
// Without the rule a machine that lacks Python, a browser or a package goes green by skipping the
// very tests that would have failed. Kept apart from scripts/test.mjs so it is unit-tested on
// synthetic Vitest and Playwright JSON reports (scripts/skip-policy.test.ts).
import path from 'node:path';

const SKIPPED_VITEST = new Set(['skipped', 'pending', 'todo', 'disabled']);
const RULE_KEYS = new Set(['runner', 'file', 'project', 'title', 'skipReason', 'why']);

/** Repository-relative, forward-slash path of `file` (absolute, or relative to `base`). */
function relativeToRoot(root, base, file) {
  return path.relative(root, path.resolve(base, file)).split(path.sep).join('/');
}

/**
 * The skipped tests of a Vitest JSON report (`--reporter=json`), as
 * `{ runner: 'vitest', file, title, reason: null }`; Vitest's report carries no skip reason.
 */
export function vitestSkips(report, root) {
  const skips = [];
  for (const file of report.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (!SKIPPED_VITEST.has(test.status)) continue;
      skips.push({
        runner: 'vitest',
        file: relativeToRoot(root, root, file.name),
        title: [...(test.ancestorTitles ?? []), test.title].join(' › '),
        project: null,
        reason: null,
      });
    }
  }
  return skips;
}

function skipReason(test) {
  const annotations = [...(test.annotations ?? []), ...(test.results ?? []).flatMap((r) => r.annotations ?? [])];
  const note = annotations.find((a) => a.type === 'skip' || a.type === 'fixme');
  return note?.description ?? null;
}

/**
 * The skipped tests of a Playwright JSON report, as `{ runner: 'playwright', file, title, project,
 * reason }`: `title` is the describe titles and the test title joined by ' › ', `reason` the text
 * given to test.skip / test.fixme (null when none was given).
 */
export function playwrightSkips(report, root) {
  const testDir = report.config?.rootDir ?? root;
  const skips = [];
  const walk = (suite, titles, file) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status !== 'skipped') continue;
        skips.push({
          runner: 'playwright',
          file: relativeToRoot(root, testDir, spec.file ?? file),
          title: [...titles, spec.title].join(' › '),
          project: test.projectName ?? null,
          reason: skipReason(test),
        });
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title], child.file ?? file);
  };
  // Top-level suites are files: their title is the file name, not part of a test's title.
  for (const fileSuite of report.suites ?? []) walk(fileSuite, [], fileSuite.file);
  return skips;
}

/**
 * Checks the parsed expected-skips document and returns its rules. Each rule names `runner`
 * ('vitest' | 'playwright') and `file`; `project`, `title` and `skipReason` (the text the test
 * passes to test.skip) narrow it when given; `why` says why the skip is expected in CI.
 * A malformed document throws, naming the rule.
 */
export function parseExpectedSkips(doc) {
  if (!doc || !Array.isArray(doc.skips)) throw new Error('expected-skips: the document needs a "skips" array');
  return doc.skips.map((rule, i) => {
    const where = `expected-skips: rule ${i}`;
    if (!rule || typeof rule !== 'object') throw new Error(`${where} is not an object`);
    for (const key of Object.keys(rule)) if (!RULE_KEYS.has(key)) throw new Error(`${where} has an unknown key "${key}"`);
    if (rule.runner !== 'vitest' && rule.runner !== 'playwright') throw new Error(`${where}: runner must be "vitest" or "playwright"`);
    for (const key of ['file', 'why']) {
      if (typeof rule[key] !== 'string' || rule[key] === '') throw new Error(`${where}: "${key}" must be a non-empty string`);
    }
    for (const key of ['project', 'title', 'skipReason']) {
      if (key in rule && typeof rule[key] !== 'string') throw new Error(`${where}: "${key}" must be a string`);
    }
    if (rule.runner === 'vitest' && ('project' in rule || 'skipReason' in rule)) {
      throw new Error(`${where}: Vitest reports carry no project or skip reason; match vitest skips by file and title`);
    }
    return rule;
  });
}

function matches(rule, skip) {
  return rule.runner === skip.runner
    && rule.file === skip.file
    && (rule.project === undefined || rule.project === skip.project)
    && (rule.title === undefined || rule.title === skip.title)
    && (rule.skipReason === undefined || rule.skipReason === skip.reason);
}

/**
 * Splits `skips` by `rules`: `unexpected` are the skips no rule covers (each one fails a required
 * run), `unused` the rules that covered nothing (stale entries worth removing).
 */
export function checkSkips(skips, rules) {
  const used = new Set();
  const unexpected = [];
  for (const skip of skips) {
    const i = rules.findIndex((rule) => matches(rule, skip));
    if (i < 0) unexpected.push(skip);
    else used.add(i);
  }
  return { unexpected, unused: rules.filter((_, i) => !used.has(i)) };
}

/** One line naming a skipped test: runner, project, file, title and the reason it gave. */
export function describeSkip(skip) {
  const project = skip.project ? ` [${skip.project}]` : '';
  const reason = skip.reason ? ` (skipped: ${skip.reason})` : '';
  return `${skip.runner}${project} ${skip.file} › ${skip.title}${reason}`;
}
