// The public API, one report per entry of package.json `exports`, checked into api/ so that
// any change to it shows up in review (docs/decisions/0017-public-surface.md). Reads the built
// declarations: run after `npm run build`.
//   node scripts/api-report.mjs           fails when a report differs from the build
//   node scripts/api-report.mjs --update  rewrites the reports (npm run api:update)
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const update = process.argv.includes('--update');
const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const reportFolder = join(root, 'api');
const temp = mkdtempSync(join(tmpdir(), 'breakwater-api-'));

// '.' -> breakwater, './compat/cockatiel' -> compat-cockatiel
const entries = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === 'object' && target.import?.types !== undefined)
  .map(([key, target]) => ({
    key,
    name: key === '.' ? pkg.name : key.slice(2).replaceAll('/', '-'),
    types: target.import.types,
  }));

const silent = { default: { logLevel: 'none' } };
const changed = [];
let failed = false;
try {
  for (const entry of entries) {
    const mainEntryPointFilePath = join(root, entry.types);
    if (!existsSync(mainEntryPointFilePath)) throw new Error(`${entry.types} is missing: run \`npm run build\` first`);
    const config = ExtractorConfig.prepare({
      configObject: {
        projectFolder: root,
        mainEntryPointFilePath,
        compiler: {
          overrideTsconfig: {
            compilerOptions: {
              target: 'ES2022',
              lib: ['ES2022', 'ESNext.Disposable', 'DOM'],
              module: 'ESNext',
              moduleResolution: 'Bundler',
              strict: true,
              skipLibCheck: true,
            },
            files: [mainEntryPointFilePath],
          },
        },
        apiReport: { enabled: true, reportFolder, reportTempFolder: temp, reportFileName: entry.name },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          // The report is the check; release tags and TSDoc style are not (yet) part of it.
          compilerMessageReporting: { default: { logLevel: 'error' } },
          extractorMessageReporting: silent,
          tsdocMessageReporting: silent,
        },
      },
      configObjectFullPath: undefined,
      packageJsonFullPath: join(root, 'package.json'),
    });
    const result = Extractor.invoke(config, {
      localBuild: update,
      showVerboseMessages: false,
      showDiagnostics: false,
      messageCallback: (m) => {
        if (m.logLevel === 'info' || m.logLevel === 'verbose') m.handled = true;
      },
    });
    if (result.errorCount > 0) failed = true;
    if (result.apiReportChanged) {
      changed.push(`${entry.key} (api/${entry.name}.api.md)`);
      const report = join(reportFolder, `${entry.name}.api.md`);
      if (!update && existsSync(report))
        spawnSync('diff', ['-u', report, join(temp, `${entry.name}.api.md`)], { stdio: 'inherit' });
    }
  }
  // A report whose entry is gone.
  const names = new Set(entries.map((e) => `${e.name}.api.md`));
  for (const file of readdirSync(reportFolder)) {
    if (!file.endsWith('.api.md') || names.has(file)) continue;
    if (update) unlinkSync(join(reportFolder, file));
    else changed.push(`api/${file} (no such entry in package.json exports)`);
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}
if (failed) process.exit(1);
if (changed.length > 0 && !update) {
  console.error(
    `The public API changed: ${changed.join(', ')}.\nIf the change is intended, run \`npm run build && npm run api:update\` and commit api/.`,
  );
  process.exit(1);
}
console.log(
  update
    ? `api/: ${entries.length} reports written${changed.length ? ` (${changed.length} changed)` : ''}`
    : `api/: ${entries.length} reports match the build`,
);
