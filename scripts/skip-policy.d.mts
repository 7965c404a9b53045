/** A skipped test as one runner's JSON report describes it. */
export interface Skip {
  runner: 'vitest' | 'playwright';
  /** Repository-relative path with forward slashes. */
  file: string;
  /** Describe titles and the test title joined by ' › '. */
  title: string;
  /** The Playwright project, null for Vitest. */
  project: string | null;
  /** The text given to test.skip / test.fixme; null where the runner reports none. */
  reason: string | null;
}

/** One entry of scripts/expected-skips.json. */
export interface ExpectedSkip {
  runner: 'vitest' | 'playwright';
  file: string;
  project?: string;
  title?: string;
  skipReason?: string;
  why: string;
}

/** The skipped tests of a Vitest JSON report. */
export function vitestSkips(report: unknown, root: string): Skip[];
/** The skipped tests of a Playwright JSON report. */
export function playwrightSkips(report: unknown, root: string): Skip[];
/** The rules of an expected-skips document; throws on a malformed one. */
export function parseExpectedSkips(doc: unknown): ExpectedSkip[];
/** Skips no rule covers, and rules that covered nothing. */
export function checkSkips(skips: Skip[], rules: ExpectedSkip[]): { unexpected: Skip[]; unused: ExpectedSkip[] };
/** One line naming a skipped test. */
export function describeSkip(skip: Skip): string;
