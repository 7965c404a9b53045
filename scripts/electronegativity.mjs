// Electronegativity over the Electron app's sources: fails on any high- or medium-severity finding
// that scripts/electronegativity-allow.json does not explain, on allow-list entries that no longer
// match a finding (so the list cannot rot), and on files it could not parse. Usage:
//   node scripts/electronegativity.mjs [-o report.json]
// The scanner's CLI writes only CSV or SARIF (SARIF carries no severity), so this script calls the
// same scanner through its programmatic entry point and writes the findings as JSON itself.
//
// Offline: the scanner asks an S3 bucket for translations (1 s timeout, a few retries, then English)
// and, in its AvailableSecurityFixes global check, GitHub for Electron's release list with no timeout
// at all, which could hang CI behind a firewall that drops packets. That check is excluded: it only
// reports on an Electron version found in a scanned package.json, and no scanned folder has one (the
// version pin is checked by docs/SECURITY.md's item "Use a current version of Electron").
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('-o');
const output = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : path.join(root, 'test-results', 'electronegativity.json');
const allowFile = path.join(root, 'scripts', 'electronegativity-allow.json');

/** The scanner's global checks, by class name (lower case, as its exclusion list wants them). */
const GLOBAL_CHECKS = [
  'affinityglobalcheck',
  'cspglobalcheck',
  'httpresourcesandnodeintegrationglobalcheck',
  'limitnavigationglobalcheck',
  'permissionrequesthandlerglobalcheck',
];
const RELEASES_CHECK = 'availablesecurityfixesglobalcheck';

/**
 * What is scanned. main/electron (main process, preload, utility-process bridge) gets every check,
 * global ones included: they judge the app as a whole ("is navigation limited anywhere?"). The other
 * sources bundled into dist/electron/*.cjs and dist/native/host.cjs get the per-file checks only,
 * because a global check run on a folder that is not the app reports what that folder lacks.
 */
const SCANS = [
  { dir: 'main/electron', exclude: [RELEASES_CHECK] },
  { dir: 'main/services', exclude: [RELEASES_CHECK, ...GLOBAL_CHECKS] },
  { dir: 'main/inference/native', exclude: [RELEASES_CHECK, ...GLOBAL_CHECKS] },
  { dir: 'app', exclude: [RELEASES_CHECK, ...GLOBAL_CHECKS] },
];

const require = createRequire(import.meta.url);
let run;
try {
  const loaded = require('@doyensec/electronegativity');
  run = loaded.default ?? loaded;
} catch (error) {
  console.error(
    `Electronegativity is not installed (${error.message.split('\n')[0]}). Add it as a dev dependency: npm install --save-dev @doyensec/electronegativity`,
  );
  process.exit(2);
}

const electron = JSON.parse(readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
const findings = [];
const errors = [];
for (const scan of SCANS) {
  const input = path.join(root, scan.dir);
  const result = await run(
    {
      input,
      output: undefined,
      isSarif: false,
      customScan: [],
      excludeFromScan: scan.exclude,
      severitySet: undefined,
      confidenceSet: undefined,
      isRelative: true,
      isVerbose: true,
      electronUpgrade: undefined,
      // The scanned folders have no package.json; without the real version it assumes Electron 0.1 defaults.
      electronVersionOverride: electron,
      parserPlugins: [],
    },
    false,
  );
  const relative = (file) => path.relative(root, path.resolve(input, file));
  errors.push(...result.errors.map((e) => ({ ...e, file: relative(e.file) })));
  findings.push(
    ...result.issues.map((issue) => ({
      check: issue.id,
      severity: issue.severity.name,
      confidence: issue.confidence.name,
      manualReview: Boolean(issue.manualReview),
      file: relative(issue.file),
      line: issue.location?.line ?? null,
      description: issue.description,
    })),
  );
}
mkdirSync(path.dirname(output), { recursive: true });
writeFileSync(output, `${JSON.stringify({ electron, scanned: SCANS.map((s) => s.dir), errors, findings }, null, 2)}\n`);

/** @type {{ check: string, file: string, reason: string }[]} */
const allowed = JSON.parse(readFileSync(allowFile, 'utf8'));
const serious = findings.filter((f) => f.severity === 'HIGH' || f.severity === 'MEDIUM');
const explained = (f) => allowed.find((a) => a.check === f.check && a.file === f.file);
const unexplained = serious.filter((f) => !explained(f));
const stale = allowed.filter((a) => !findings.some((f) => f.check === a.check && f.file === a.file));

for (const f of serious) {
  const why = explained(f);
  console.log(`${why ? 'explained' : 'UNEXPLAINED'}  ${f.severity.padEnd(6)} ${f.check}  ${f.file}:${f.line}${why ? `  — ${why.reason}` : ''}`);
}
for (const a of stale) console.log(`STALE allow-list entry: ${a.check} in ${a.file} matches no finding; remove it`);
for (const e of errors.filter((e) => !e.tolerable)) console.log(`scanner could not parse ${e.file}: ${e.message}`);
console.log(`Electronegativity: ${findings.length} findings, ${serious.length} high/medium, ${unexplained.length} unexplained; report in ${path.relative(root, output)}`);
// A file the scanner could not parse was not checked at all: that fails the run too.
const unparsed = errors.filter((e) => !e.tolerable).length;
process.exit(unexplained.length > 0 || stale.length > 0 || unparsed > 0 ? 1 : 0);
