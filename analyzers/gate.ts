/**
 * The CI regression gate: budgets evaluated over a finished report.
 *
 * The gate never decides what counts as growth. The verdict engine already separated real growth
 * from noise when it made `findings`; every budget here is a question about those findings only
 * (which verdicts, how many bytes per request, how fast, compared with a baseline). Adding thresholds
 * over raw snapshot totals here would make the gate fail on GC timing, which is the flakiness teams
 * abandon a gate over.
 */
import type { Finding, GateResult, Report, Verdict } from '../core/report-schema.js';
import { formatBytes } from '../core/units.js';

export const VERDICTS: readonly Verdict[] = ['leak', 'accumulation', 'bounded'];

export interface GateBudgets {
  /** Any finding with one of these verdicts fails (default: `['leak']`). */
  failOn: Verdict[];
  /** Total retained growth per request, over leak and accumulation findings. */
  maxBytesPerRequest: number | null;
  /** Total retained growth rate in bytes per second, over leak and accumulation findings. */
  maxGrowthBytesPerSecond: number | null;
  /** A previous report; its growing owners are what the current run is allowed. */
  baseline: Report | null;
  /** How much faster per request than in the baseline an owner may grow (0.2 = 20%). */
  tolerance: number;
}

export type GateCheck = NonNullable<GateResult['checks']>[number];

export function defaultGateBudgets(): GateBudgets {
  return { failOn: ['leak'], maxBytesPerRequest: null, maxGrowthBytesPerSecond: null, baseline: null, tolerance: 0.2 };
}

/**
 * Owners whose growth goes on: leak and accumulation. A `bounded` owner grew and levelled off (a cache
 * filling); its slope over the run says nothing about the rate it keeps, so only `--fail-on bounded`
 * makes it count.
 */
export function isGrowing(finding: Finding): boolean {
  return finding.verdict === 'leak' || finding.verdict === 'accumulation';
}

export function evaluateGate(report: Report, budgets: GateBudgets): GateResult {
  const growing = report.findings.filter(isGrowing);
  const ownerFailures = new Map<Finding, string[]>();
  const budgetOutcomes: BudgetOutcome[] = [];
  const noteOwnerFailure = (finding: Finding, reason: string): void => {
    ownerFailures.set(finding, [...(ownerFailures.get(finding) ?? []), reason]);
  };

  // --fail-on: one reason per offending owner.
  const failOnFlag = `--fail-on ${budgets.failOn.length ? budgets.failOn.join(',') : 'none'}`;
  const failOnReasons: string[] = [];
  for (const finding of report.findings) {
    if (!budgets.failOn.includes(finding.verdict)) continue;
    const reason = `${ownerLabel(finding)}: ${finding.verdict}, ${describeRate(finding)} (budget ${failOnFlag})`;
    failOnReasons.push(reason);
    noteOwnerFailure(finding, reason);
  }
  budgetOutcomes.push({ name: failOnFlag, failures: failOnReasons });

  // The totals budgets fail on the sum; each growing owner is named as part of it, so an owner's
  // own check (JUnit, annotations) never reads as passing while its growth broke a budget.
  const totals: BudgetOutcome[] = [];
  if (budgets.maxBytesPerRequest !== null) totals.push(checkBytesPerRequest(growing, budgets.maxBytesPerRequest));
  if (budgets.maxGrowthBytesPerSecond !== null) totals.push(checkGrowthRate(growing, budgets.maxGrowthBytesPerSecond));
  for (const total of totals.filter((t) => t.failures.length > 0)) {
    for (const finding of growing) {
      noteOwnerFailure(finding, `${ownerLabel(finding)}: ${describeRate(finding)}, part of the growth that exceeds budget ${total.name}`);
    }
  }
  budgetOutcomes.push(...totals);
  if (budgets.baseline !== null) {
    const baselineReasons: string[] = [];
    for (const finding of growing) {
      const reason = compareWithBaseline(finding, budgets.baseline, budgets.tolerance);
      if (reason === null) continue;
      baselineReasons.push(reason);
      noteOwnerFailure(finding, reason);
    }
    budgetOutcomes.push({ name: `--baseline (tolerance ${formatPercent(budgets.tolerance)})`, failures: baselineReasons });
  }

  // One check per owner the verdict engine reported, so a CI system lists them by name.
  const ownerChecks: GateCheck[] = report.findings.map((finding) => {
    const reasons = ownerFailures.get(finding) ?? [];
    return {
      name: `${finding.verdict} ${finding.owner}`,
      owner: finding.owner,
      passed: reasons.length === 0,
      reason: reasons.length ? reasons.join('; ') : null,
    };
  });

  const budgetChecks: GateCheck[] = budgetOutcomes.map((b) => ({
    name: b.name,
    passed: b.failures.length === 0,
    reason: b.failures.length ? b.failures.join('; ') : null,
  }));
  const reasons = budgetOutcomes.flatMap((b) => b.failures);
  return { passed: reasons.length === 0, reasons, checks: [...budgetChecks, ...ownerChecks] };
}

/** One budget checked: its flag as the user wrote it, and one line per failure. */
interface BudgetOutcome {
  name: string;
  failures: string[];
}

function checkBytesPerRequest(growing: Finding[], max: number): BudgetOutcome {
  const name = `--max-bytes-per-request ${trimNumber(max)}`;
  const unmeasured = growing.filter((f) => f.bytesPerRequest === null);
  if (unmeasured.length > 0) {
    // Attach without driving load has no request count; passing silently would hide the growth.
    return outcome(name, [
      `${unmeasured.map((f) => ownerLabel(f)).join(', ')}: growth per request unknown (no request count; ` +
        `drive load with --url/--rps, or name a counter with --count-expression) (budget ${name})`,
    ]);
  }
  // Per request of the process that served it: each process of a cluster is held to the budget
  // on its own (two workers' figures do not add up to a per-request figure of either).
  const byProcess = new Map<string, Finding[]>();
  for (const f of growing) byProcess.set(f.process ?? '', [...(byProcess.get(f.process ?? '') ?? []), f]);
  const failures: string[] = [];
  for (const [process, findings] of byProcess) {
    const total = sum(findings.map((f) => f.bytesPerRequest ?? 0));
    if (total <= max) continue;
    failures.push(
      `${ownersByShare(findings, (f) => f.bytesPerRequest ?? 0, (v) => `${formatPerRequest(v)}`, (f) => f.owner)}: ` +
        `retained growth ${formatPerRequest(total)}${process ? ` in ${process}` : ''} exceeds budget ${name}`,
    );
  }
  return outcome(name, failures);
}

/** The owner, and where it grows when the run captured several processes or threads. */
function ownerLabel(finding: Finding): string {
  return finding.process ? `${finding.owner} in ${finding.process}` : finding.owner;
}

function checkGrowthRate(growing: Finding[], maxBytesPerSecond: number): BudgetOutcome {
  const name = `--max-growth ${formatRate(maxBytesPerSecond)}`;
  const total = sum(growing.map((f) => f.bytesPerSecond));
  if (total <= maxBytesPerSecond) return outcome(name, []);
  return outcome(name, [
    `${ownersByShare(growing, (f) => f.bytesPerSecond, formatRate)}: ` +
      `retained growth ${formatRate(total)} exceeds budget ${name}`,
  ]);
}

function outcome(name: string, failures: string[]): BudgetOutcome {
  return { name, failures };
}

/** `null` when the finding is within the baseline's allowance, else the failure line. */
function compareWithBaseline(finding: Finding, baseline: Report, tolerance: number): string | null {
  const budget = `--baseline, tolerance ${formatPercent(tolerance)}`;
  const before = matchInBaseline(finding, baseline);
  if (before === undefined || !isGrowing(before)) {
    return `${ownerLabel(finding)}: new growing owner (${finding.verdict}, ${describeRate(finding)}), not growing in the baseline (budget ${budget})`;
  }
  // Per request where both runs measured it: it does not depend on the rate the runs were driven at.
  const perRequest = finding.bytesPerRequest !== null && before.bytesPerRequest !== null;
  const now = perRequest ? (finding.bytesPerRequest as number) : finding.bytesPerSecond;
  const then = perRequest ? (before.bytesPerRequest as number) : before.bytesPerSecond;
  const format = perRequest ? formatPerRequest : formatRate;
  if (now <= then * (1 + tolerance)) return null;
  const faster = then > 0 ? `${formatPercent(now / then - 1)} faster than` : 'growing, against';
  return `${ownerLabel(finding)}: ${format(now)}, ${faster} ${format(then)} in the baseline (budget ${budget})`;
}

/** The same owner in the baseline: same identity (name and definition site) first, else same name. */
function matchInBaseline(finding: Finding, baseline: Report): Finding | undefined {
  const byKey = finding.key ? baseline.findings.find((b) => b.key === finding.key) : undefined;
  return byKey ?? baseline.findings.find((b) => b.owner === finding.owner);
}

function ownersByShare(findings: Finding[], value: (f: Finding) => number, format: (v: number) => string, label: (f: Finding) => string = ownerLabel): string {
  const ranked = [...findings].sort((a, b) => value(b) - value(a));
  const shown = ranked.slice(0, 3).map((f) => `${label(f)} ${format(value(f))}`);
  if (ranked.length > 3) shown.push(`${ranked.length - 3} more`);
  return shown.join(', ');
}

function describeRate(finding: Finding): string {
  return finding.bytesPerRequest !== null
    ? `${formatPerRequest(finding.bytesPerRequest)} (${formatRate(finding.bytesPerSecond)})`
    : formatRate(finding.bytesPerSecond);
}

export function formatPerRequest(bytes: number): string {
  return bytes < 1000 ? `${trimNumber(bytes)} B/request` : `${formatBytes(bytes)}/request`;
}

/** Growth rates read best per hour once they are small per second (`36 MB/h`, not `10 KB/s`). */
export function formatRate(bytesPerSecond: number): string {
  const perHour = bytesPerSecond * 3600;
  return Math.abs(bytesPerSecond) >= 1e6 ? `${formatBytes(bytesPerSecond)}/s` : `${formatBytes(perHour)}/h`;
}

function formatPercent(fraction: number): string {
  return `${trimNumber(fraction * 100)}%`;
}

function trimNumber(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : String(Number(n.toPrecision(3)));
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/**
 * Budgets as recorded in `run.json` (`RunRecord.gate`), so `memprobe report` re-applies what `run
 * --gate` was given. The baseline is kept whole: the baseline file may be gone by then.
 */
export function gateBudgetsToJson(budgets: GateBudgets): Record<string, unknown> {
  return { ...budgets };
}

export function gateBudgetsFromJson(json: Record<string, unknown>): GateBudgets {
  const defaults = defaultGateBudgets();
  const numberOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const failOn = Array.isArray(json.failOn)
    ? json.failOn.filter((v): v is Verdict => VERDICTS.includes(v as Verdict))
    : defaults.failOn;
  const baseline = json.baseline as Report | null | undefined;
  return {
    failOn,
    maxBytesPerRequest: numberOrNull(json.maxBytesPerRequest),
    maxGrowthBytesPerSecond: numberOrNull(json.maxGrowthBytesPerSecond),
    baseline: baseline && baseline.schema === 'memprobe/report@1' ? baseline : null,
    tolerance: numberOrNull(json.tolerance) ?? defaults.tolerance,
  };
}
