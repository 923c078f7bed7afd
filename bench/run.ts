/**
 * npm run bench [-- --quick] : runs the scenarios in sequence, prints the table and writes
 * bench/RESULTS.md. Exits non-zero when a scenario crashes or a COUNT target fails; timings
 * are reported, never judged (see bench/README.md).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, USAGE } from './lib/args';
import type { BenchContext, Scenario } from './lib/context';
import { describeMachine } from './lib/machine';
import { PROFILES } from './lib/profile';
import { renderReport, type Failure } from './lib/report';
import type { ScenarioResult } from './lib/result';
import { renderTable } from './lib/table';
import { scenarios } from './scenarios';

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const profile = args.quick ? PROFILES.quick : PROFILES.full;
  const selected: Scenario[] = scenarios.filter((s) => args.only.length === 0 || args.only.includes(s.id));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-bench-'));
  const started = Date.now();
  const ctx: BenchContext = {
    profile,
    workDir,
    rss: [],
    log: (message) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}`),
  };
  const machine = describeMachine();
  ctx.log(`${profile.name} run on ${machine.cores} × ${machine.model}, Node ${machine.node}`);

  const results: ScenarioResult[] = [];
  const failures: Failure[] = [];
  try {
    for (const scenario of selected) {
      ctx.log(`scenario ${scenario.id}: ${scenario.title}`);
      try {
        results.push(await scenario.run(ctx));
      } catch (err) {
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        ctx.log(`scenario ${scenario.id} FAILED: ${message}`);
        failures.push({ scenario: scenario.id, title: scenario.title, message });
      }
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  results.sort((a, b) => a.scenario - b.scenario);

  console.log('');
  console.log(renderTable(results.flatMap((r) => r.rows)));
  console.log('');
  const checks = results.flatMap((r) => r.checks);
  for (const check of checks) {
    console.log(`${check.passed ? 'ok  ' : check.judged ? 'FAIL' : 'miss'} ${check.name}: ${check.detail}`);
  }
  // Only a full run of every scenario replaces the committed results: a quick run (CI) or a few
  // scenarios (--only) go to bench/.runs/, git-ignored.
  const file =
    args.quick || args.only.length > 0
      ? path.join(
          __dirname,
          '.runs',
          `RESULTS-${args.quick ? 'quick' : 'full'}${args.only.length > 0 ? `-only-${args.only.join('-')}` : ''}.md`,
        )
      : path.join(__dirname, 'RESULTS.md');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, renderReport(machine, profile, results, failures));
  ctx.log(`wrote ${path.relative(process.cwd(), file)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  const failedCounts = checks.filter((c) => c.judged && !c.passed);
  for (const f of failures) console.error(`scenario ${f.scenario} did not complete: ${f.message.split('\n')[0]}`);
  for (const c of failedCounts) console.error(`count target failed: ${c.name}: ${c.detail}`);
  return failures.length > 0 || failedCounts.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
