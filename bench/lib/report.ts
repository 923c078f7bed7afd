import type { Machine } from './machine';
import type { Profile } from './profile';
import type { ScenarioResult } from './result';
import { renderTable } from './table';

export interface Failure {
  scenario: number;
  title: string;
  message: string;
}

/** RESULTS.md: the machine, the table, the judged checks and a short reading of the figures. */
export function renderReport(machine: Machine, profile: Profile, results: ScenarioResult[], failures: Failure[]): string {
  const out: string[] = [];
  out.push('# Benchmark results', '');
  out.push('Written by `npm run bench` (bench/run.ts). Every figure is a ratio measured in the same run, or a count;');
  out.push('absolute requests/s depend on this machine and are shown only to read the ratios. See bench/README.md.', '');
  out.push(`- Machine: ${machine.cores} cores, ${machine.model}, ${machine.memory} RAM, ${machine.platform}`);
  out.push(`- Node: ${machine.node}`);
  out.push(
    `- Load average when the run started (1 / 5 / 15 min): ${machine.loadAverage}: other work on the machine, which the interleaved rounds and CPU-per-request figures are there to absorb`,
  );
  out.push(`- Date: ${machine.date}`);
  out.push(
    `- Run: ${profile.name} (${profile.warmupSeconds} s warm-up + ${profile.durationSeconds} s measured per load, ${profile.connections} keep-alive connections, autocannon in its own process; servers each in their own process on 127.0.0.1)`,
    '',
  );
  out.push('## Table', '', renderTable(results.flatMap((r) => r.rows)), '');
  const checks = results.flatMap((r) => r.checks.map((c) => ({ ...c, scenario: r.scenario })));
  if (checks.length > 0) {
    out.push('## Targets', '');
    for (const c of checks) {
      out.push(
        `- [${c.passed ? 'x' : ' '}] ${c.scenario}. ${c.name}: ${c.detail}${c.judged ? ' (judged: a miss fails the run)' : ' (reported; never fails the run)'}`,
      );
    }
    out.push('');
  }
  if (failures.length > 0) {
    out.push('## Scenarios that did not complete', '');
    for (const f of failures) out.push(`- ${f.scenario}. ${f.title}: ${f.message.split('\n')[0]}`);
    out.push('');
  }
  out.push('## Reading', '');
  for (const r of results) {
    out.push(`**${r.scenario}. ${r.title}.** ${r.reading.join(' ')}`, '');
  }
  return out.join('\n');
}
