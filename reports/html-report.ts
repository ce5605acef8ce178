/**
 * `report.html`: one self-contained page that works offline from `file://`.
 *
 * The page is rendered here, as escaped HTML; the browser only draws the charts (chart.js and
 * `report-charts.js`, both inlined, fed by a JSON data block). Every string that can come from the
 * target (owner and property names, paths, file names, the command) goes through `escapeHtml` or
 * into the JSON block escaped for a `<script>` element, and a Content-Security-Policy admits only
 * the two inlined scripts by hash and no network at all: a class named `<img onerror=…>` is text.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding, Report, TimelineSample, Verdict } from '../core/report-schema.js';
import type { OwnerSeries } from './owner-series.js';
import { formatBytes, formatCount, formatDuration } from '../core/units.js';
import { formatPerRequest, formatRate, isGrowing } from '../analyzers/gate.js';
import {
  VERDICT_MEANING,
  headline,
  loadSentence,
  projectionSentence,
  snapshotSentence,
  modeSentence,
  verdictCounts,
} from './report-text.js';

export interface HtmlReportExtras {
  /** Retained bytes of the largest owners at each snapshot (from the summaries). */
  ownerSeries?: OwnerSeries[];
  /** When the page was rendered (ISO 8601); omitted from the page when absent. */
  generatedAt?: string;
}

/** A timeline longer than this is thinned for the chart (a 24 h run has 86,400 samples). */
const MAX_TIMELINE_POINTS = 3000;
const RATE_WINDOW_S = 0.5;
const RSS_HIDDEN_RATIO = 4;
const VERDICT_ORDER: Verdict[] = ['leak', 'accumulation', 'bounded'];

export function renderHtmlReport(report: Report, timeline: TimelineSample[], extras: HtmlReportExtras = {}): string {
  const assets = loadAssets();
  const data = jsonForScriptElement(chartData(report, timeline, extras));
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256(assets.chartJs)}' 'sha256-${sha256(assets.charts)}'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const values: Record<string, string> = {
    CSP: csp,
    TITLE: escapeHtml(`memprobe: ${headline(report)} (${report.target.command})`),
    BODY: renderBody(report, timeline, extras),
    DATA: data,
    CHARTJS: assets.chartJs,
    CHARTS: assets.charts,
  };
  // One pass over the template: substituted text (which may contain "{{…}}" from a heap name) is
  // never scanned again, and `$` in chart.js is not a replacement pattern.
  return assets.template.replace(/\{\{([A-Z]+)\}\}/g, (_, name: string) => values[name] ?? '');
}

// ---------------------------------------------------------------------------------------------
// Page body

function renderBody(report: Report, timeline: TimelineSample[], extras: HtmlReportExtras): string {
  const status =
    report.status === 'partial' ? ` · <span class="status-partial">partial run</span>` : ' · complete run';
  return `<header class="top"><div class="wrap">
<div class="brand">memprobe</div>
<div class="target"><code>${escapeHtml(report.target.command)}</code> ${escapeHtml(report.target.kind)}${status}</div>
</div></header>
<main class="wrap">
${renderBanner(report)}
${renderTimelineSection(report, timeline)}
${renderOwnerCharts(report, extras)}
${renderFindings(report)}
${renderProcesses(report)}
${renderRun(report)}
${renderNotes(report)}
</main>
<footer class="wrap">memprobe ${escapeHtml(report.meta?.memprobeVersion ?? '')} · report schema ${escapeHtml(report.schema)}${
    extras.generatedAt ? ` · rendered ${escapeHtml(extras.generatedAt)}` : ''
  }</footer>`;
}

function renderBanner(report: Report): string {
  const growing = report.findings.filter(isGrowing);
  const top = growing[0] ?? report.findings[0];
  const counts = verdictCounts(report);
  const countBadges = VERDICT_ORDER.map(
    (v) => `<span class="badge ${v}${counts[v] ? '' : ' zero'}">${counts[v]} ${v === 'leak' && counts[v] !== 1 ? 'leaks' : v}</span>`,
  ).join('');
  const lede = top
    ? `<p class="lede"><strong>${escapeHtml(top.verdict === 'leak' ? 'A leak' : top.verdict === 'accumulation' ? 'Accumulation, not a leak' : 'Bounded growth')}:</strong> ${escapeHtml(
        VERDICT_MEANING[top.verdict],
      )}.</p>${top.hint ? `<p class="fix"><strong>What to do:</strong> ${escapeHtml(top.hint)}</p>` : ''}`
    : `<p class="lede">No owner's retained bytes grew beyond the noise between snapshots${
        report.snapshots.length < 2 ? ' (fewer than two snapshots: growth could not be measured)' : ''
      }.</p>`;
  const badge = top ? `<span class="badge ${top.verdict}">${top.verdict}</span>` : '<span class="badge ok">no growth</span>';
  return `<section class="panel banner ${top ? `v-${top.verdict}` : 'v-ok'}" id="verdict">
${badge}
<h1>${escapeHtml(headline(report))}</h1>
${lede}
<div class="counts">${countBadges}</div>
${renderAlsoGrowing(growing.filter((f) => f !== top), report.findings)}
${renderTiles(report, growing)}
${report.gate && !report.gate.passed ? `<ul class="gate-reasons">${report.gate.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : ''}
</section>`;
}

/** The banner names one owner; the others growing are listed so nobody stops at the first. */
function renderAlsoGrowing(others: Finding[], all: Finding[]): string {
  if (others.length === 0) return '';
  const shown = others.slice(0, 3).map(
    (f) => `<a href="#finding-${all.indexOf(f) + 1}">${escapeHtml(f.owner)}</a> (${f.verdict}, ${escapeHtml(f.bytesPerRequest !== null ? formatPerRequest(f.bytesPerRequest) : formatRate(f.bytesPerSecond))})`,
  );
  const more = others.length > 3 ? `, and ${others.length - 3} more` : '';
  return `<p class="also">Also growing: ${shown.join(', ')}${more}.</p>`;
}

function renderTiles(report: Report, growing: Finding[]): string {
  const perRequestKnown = growing.length > 0 && growing.every((f) => f.bytesPerRequest !== null);
  const totalPerRequest = growing.reduce((s, f) => s + (f.bytesPerRequest ?? 0), 0);
  const totalPerSecond = growing.reduce((s, f) => s + f.bytesPerSecond, 0);
  const scope = growing.length > 1 ? `${growing.length} growing owners together` : growing.length ? growing[0].owner : 'nothing grows';
  const perRequestTile = tile(
    'Retained per request',
    growing.length === 0 ? '0 B' : perRequestKnown ? formatPerRequest(totalPerRequest).replace('/request', '') : 'unknown',
    growing.length && !perRequestKnown ? 'requests were not counted' : scope,
  );
  const rateTile = tile(
    'Growth rate',
    growing.length ? formatRate(totalPerSecond) : '0 B/h',
    growing.length ? `${formatBytes(totalPerSecond)}/s at ${formatRps(report.projection.atRps ?? report.load.achievedRps)}` : scope,
  );
  const seconds = report.projection.secondsToLimit;
  const oomFigure = seconds !== null ? formatDuration(seconds) : growing.length ? 'not within horizon' : 'never';
  const oomTile = tile('Heap runs out in', oomFigure, projectionSentence(report));
  const gate = report.gate;
  const gateTile = gate
    ? tile('CI gate', gate.passed ? 'passed' : 'failed', gate.passed ? gateSummary(gate) : `${gate.reasons.length} budget${gate.reasons.length === 1 ? '' : 's'} exceeded`, gate.passed ? 'passed' : 'failed')
    : tile('CI gate', 'not run', 'no budgets given (memprobe gate)');
  return `<div class="tiles">${perRequestTile}${rateTile}${oomTile}${gateTile}</div>`;
}

function gateSummary(gate: NonNullable<Report['gate']>): string {
  const budgets = (gate.checks ?? []).filter((c) => c.owner === undefined).map((c) => c.name);
  return budgets.length ? `within ${budgets.join(', ')}` : 'within budgets';
}

/** `figure` and `sub` are already plain text; escaped here, once. */
function tile(label: string, figure: string, sub: string, state = ''): string {
  return `<div class="tile${state ? ` ${state}` : ''}"><div class="label">${escapeHtml(label)}</div><div class="figure">${escapeHtml(
    figure,
  )}</div><div class="sub">${escapeHtml(sub)}</div></div>`;
}

function renderTimelineSection(report: Report, timeline: TimelineSample[]): string {
  const body =
    timeline.length > 1
      ? `<div class="chart-box"><canvas id="chart-timeline" role="img" aria-label="heap used, rss, external memory and request rate over time"></canvas></div>
<p class="caption">Dashed lines mark the ${report.snapshots.length} heap snapshots; shaded bands are the time the target was paused taking them (the request rate dips there). Heap used includes garbage not yet collected, so it saw-tooths; the findings below come from retained sizes in the snapshots, not from this line.${
          rssDwarfsHeap(timeline) ? ' RSS is many times the heap here, so it starts hidden: click “rss” in the legend to show it.' : ''
        }</p>`
      : `<p class="empty">No timeline samples were recorded for this run.</p>`;
  return `<section class="panel" id="timeline"><h2>Memory over time</h2>${body}</section>`;
}

function renderOwnerCharts(report: Report, extras: HtmlReportExtras): string {
  const hasOwners = ownerChartSeries(report, extras).length > 0 && report.snapshots.length > 0;
  const owners = hasOwners
    ? `<div class="chart-box small"><canvas id="chart-owners" role="img" aria-label="retained bytes of the largest owners at each snapshot"></canvas></div>
<p class="caption">Retained bytes at each snapshot; solid lines are findings, dashed lines the largest other owners.</p>`
    : '<p class="empty">No per-owner figures in this run.</p>';
  const perRequest = report.findings.length
    ? `<div class="chart-box small"><canvas id="chart-per-request" role="img" aria-label="growth of each finding"></canvas></div>
<p class="caption">Slope of each finding's retained bytes ${report.findings.every((f) => f.bytesPerRequest !== null) ? 'over requests' : 'over time'}, coloured by verdict.</p>`
    : '<p class="empty">No findings: nothing grew beyond noise.</p>';
  const unit = report.findings.every((f) => f.bytesPerRequest !== null) ? 'Bytes per request' : 'Growth per hour';
  return `<div class="grid-2">
<section class="panel" id="owners"><h2>Retained bytes by owner</h2>${owners}</section>
<section class="panel" id="per-request"><h2>${unit}, by finding</h2>${perRequest}</section>
</div>`;
}

function renderFindings(report: Report): string {
  if (report.findings.length === 0) {
    return `<section class="panel" id="findings"><h2>Findings</h2><p class="empty">None. Owners whose retained bytes changed within the noise between snapshots are not findings.</p></section>`;
  }
  const rows = report.findings
    .map(
      (f, i) => `<tr>
<td><a href="#finding-${i + 1}" class="owner-name">${escapeHtml(f.owner)}</a>${f.process ? `<br><span class="muted">in ${escapeHtml(f.process)}</span>` : ''}${f.location ? `<br><span class="muted mono">${escapeHtml(f.location)}</span>` : ''}</td>
<td><span class="badge ${f.verdict}">${f.verdict}</span></td>
<td class="num">${f.bytesPerRequest !== null ? escapeHtml(formatPerRequest(f.bytesPerRequest)) : '—'}</td>
<td class="num">${escapeHtml(formatRate(f.bytesPerSecond))}</td>
<td class="num">${escapeHtml(signedBytes(f.growthBytes))}</td>
<td class="num">${f.countSeries?.length ? `${formatCount(f.countSeries[0])} → ${formatCount(f.countSeries[f.countSeries.length - 1])}` : '—'}</td>
<td class="num">${f.r2 !== undefined ? f.r2.toFixed(2) : '—'}</td>
</tr>`,
    )
    .join('\n');
  const cards = report.findings.map((f, i) => renderFindingCard(f, i + 1)).join('\n');
  return `<section class="panel" id="findings"><h2>Findings</h2>
<table>
<thead><tr><th>Owner</th><th>Verdict</th><th class="num">Per request</th><th class="num">Rate</th><th class="num">Growth</th><th class="num">Instances</th><th class="num" title="fit of the linear growth model">r²</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${cards}
</section>`;
}

function renderFindingCard(f: Finding, n: number): string {
  const facts: [string, string][] = [
    ['Why this verdict', f.evidence.length ? `<ul>${f.evidence.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>` : '—'],
    ['What to do', f.hint ? escapeHtml(f.hint) : '—'],
    [
      'Held by',
      f.retainerPath.length
        ? `<ol class="chain">${f.retainerPath.map((step) => `<li><code>${escapeHtml(step)}</code></li>`).join('')}</ol>`
        : '—',
    ],
  ];
  if (f.allocationSites?.length) {
    facts.push([
      'Allocated at',
      `<table><tbody>${f.allocationSites
        .map(
          (s) =>
            `<tr><td><code>${escapeHtml(s.functionName || '(anonymous)')}</code></td><td class="mono">${escapeHtml(s.location)}</td><td class="num">${escapeHtml(formatBytes(s.bytes))}</td></tr>`,
        )
        .join('')}</tbody></table>`,
    ]);
  }
  if (f.site) {
    facts.push(['Allocation stack', `<ol class="chain">${f.site.stack.map((frame) => `<li><code>${escapeHtml(frame)}</code></li>`).join('')}</ol>`]);
  }
  if (f.decidingSnapshot) {
    const d = f.decidingSnapshot;
    facts.push(['Deciding snapshot', escapeHtml(`pause ≈ ${d.pauseS} s, RSS rise ≈ ${formatBytes(d.rssRiseBytes)} (${d.basis}): ${d.command}`)]);
  }
  if (f.retainedBytesSeries?.length) {
    facts.push([f.site ? 'Live sampled bytes' : 'Retained', f.retainedBytesSeries.map((b) => escapeHtml(formatBytes(b))).join(' → ')]);
  }
  return `<article class="finding" id="finding-${n}">
<h3><span class="badge ${f.verdict}">${f.verdict}</span> ${escapeHtml(f.owner)}${f.process ? ` <span class="muted">in ${escapeHtml(f.process)}</span>` : ''} <span class="muted">· ${escapeHtml(
    f.bytesPerRequest !== null ? formatPerRequest(f.bytesPerRequest) : formatRate(f.bytesPerSecond),
  )} · ${escapeHtml(signedBytes(f.growthBytes))} over the run</span></h3>
<dl class="facts">${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>
</article>`;
}

/** The processes and worker threads captured, each with a link to its own report. */
function renderProcesses(report: Report): string {
  if (!report.processes?.length) return '';
  const rows = report.processes
    .map(
      (p) => `<tr><td>${escapeHtml(p.name)}</td><td>${escapeHtml(p.kind)}</td><td class="num">${p.requests !== null ? formatCount(p.requests) : '—'}</td><td class="num">${p.findings}</td><td>${escapeHtml(p.status)}</td><td class="mono">${
        p.dir === '.' ? 'this report' : `<a href="${escapeHtml(`${p.dir}/report.html`)}">${escapeHtml(p.dir)}/report.html</a>`
      }</td></tr>`,
    )
    .join('');
  return `<section class="panel" id="processes"><h2>Processes and threads</h2>
<table><thead><tr><th>Captured</th><th>Kind</th><th class="num">Requests</th><th class="num">Findings</th><th>Status</th><th>Its own report</th></tr></thead><tbody>${rows}</tbody></table>
</section>`;
}

function renderRun(report: Report): string {
  const l = report.load;
  const m = report.meta ?? {};
  const rows: [string, string][] = [
    ['Target', `<code>${escapeHtml(report.target.command)}</code> (${escapeHtml(report.target.kind)}${report.target.pid ? `, pid ${report.target.pid}` : ''})`],
    ['Status', report.status === 'partial' ? '<span class="status-partial">partial</span> (see notes)' : 'complete'],
    ['Load', escapeHtml(loadSentence(report))],
    [
      'Rates',
      escapeHtml(
        `target ${formatRps(l.targetRps)} · achieved ${formatRps(l.achievedRps)} · dropped ${l.dropped !== null ? formatCount(l.dropped) : '—'}${l.overdue ? ` · skipped while paused ${formatCount(l.overdue)}` : ''}`,
      ),
    ],
    ['Duration', escapeHtml(formatDuration(l.durationS))],
    ['Mode', escapeHtml(modeSentence(report))],
    ['Snapshots', escapeHtml(snapshotSentence(report))],
    [
      'Heap limit',
      escapeHtml(report.projection.heapLimitBytes !== null ? formatBytes(report.projection.heapLimitBytes) : 'unknown'),
    ],
  ];
  if (m.nodeVersion) rows.push(['Node.js', escapeHtml(m.nodeVersion)]);
  if (m.startedAt) rows.push(['Started', escapeHtml(m.startedAt)]);
  if (l.statusCounts && Object.keys(l.statusCounts).length) {
    rows.push(['HTTP statuses', escapeHtml(Object.entries(l.statusCounts).map(([k, v]) => `${k}: ${formatCount(v)}`).join(' · '))]);
  }
  if (l.errorMessages?.length) rows.push(['Errors', `<ul>${l.errorMessages.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>`]);
  const snapshotRows = report.snapshots
    .map(
      (s, i) =>
        `<tr><td class="num">${i + 1}</td><td class="num">${escapeHtml(formatDuration(s.t))}</td><td class="num">${
          s.requests !== null ? formatCount(s.requests) : '—'
        }</td><td class="num">${escapeHtml(formatBytes(s.totalBytes))}</td><td class="num">${
          s.pauseMs !== undefined ? `${Math.round(s.pauseMs)} ms` : '—'
        }</td><td class="mono">${s.file ? escapeHtml(s.file) : '<span class="muted">deleted</span>'}</td></tr>`,
    )
    .join('');
  const snapshots = report.snapshots.length
    ? `<h3 style="margin-top:14px">Snapshots</h3><table><thead><tr><th class="num">#</th><th class="num">At</th><th class="num">Requests</th><th class="num">Reachable heap</th><th class="num">Pause</th><th>File</th></tr></thead><tbody>${snapshotRows}</tbody></table>`
    : '';
  return `<section class="panel" id="run"><h2>Run</h2>
<dl class="meta">${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>
${snapshots}
</section>`;
}

function renderNotes(report: Report): string {
  if (!report.notes.length) return '';
  return `<section class="panel" id="notes"><h2>Notes</h2><ul>${report.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></section>`;
}

// ---------------------------------------------------------------------------------------------
// Chart data

interface ChartData {
  timeline: {
    t: number[];
    heapUsed: number[];
    heapTotal: number[];
    rss: number[];
    external: number[];
    rps: (number | null)[];
    rssHidden: boolean;
  } | null;
  snapshots: { t: number[]; pauses: { from: number; to: number }[] };
  owners: { t: number[]; series: { owner: string; finding: boolean; retainedBytes: (number | null)[] }[] };
  perRequestUnit: 'request' | 'hour';
  perRequest: { owner: string; verdict: Verdict; value: number }[];
}

function chartData(report: Report, timeline: TimelineSample[], extras: HtmlReportExtras): ChartData {
  const perRequestKnown = report.findings.every((f) => f.bytesPerRequest !== null);
  return {
    timeline: timelineSeries(timeline),
    snapshots: { t: report.snapshots.map((s) => s.t), pauses: pauseSpans(report, timeline) },
    owners: {
      t: report.snapshots.map((s) => s.t),
      series: ownerChartSeries(report, extras).map((s) => ({
        owner: s.owner,
        finding: report.findings.some((f) => (f.key ?? f.owner) === s.key || f.owner === s.owner),
        retainedBytes: s.retainedBytes.slice(0, report.snapshots.length),
      })),
    },
    perRequestUnit: perRequestKnown ? 'request' : 'hour',
    perRequest: report.findings.map((f) => ({
      owner: f.owner,
      verdict: f.verdict,
      value: perRequestKnown ? (f.bytesPerRequest as number) : f.bytesPerSecond * 3600,
    })),
  };
}

/** The summaries' top owners when given; otherwise what the findings carry. */
function ownerChartSeries(report: Report, extras: HtmlReportExtras): OwnerSeries[] {
  if (extras.ownerSeries?.length) return extras.ownerSeries;
  return report.findings
    .filter((f) => f.retainedBytesSeries?.length)
    .map((f) => ({ owner: f.owner, key: f.key ?? f.owner, retainedBytes: f.retainedBytesSeries as number[] }));
}

function timelineSeries(samples: TimelineSample[]): ChartData['timeline'] {
  if (samples.length < 2) return null;
  const step = Math.ceil(samples.length / MAX_TIMELINE_POINTS);
  // Thin evenly, but keep every sample taken during a snapshot: those are the pauses.
  const kept = samples.filter((s, i) => i % step === 0 || s.snapshotting || i === samples.length - 1);
  // Requests per second over at least RATE_WINDOW_S: the sampler's last sample can follow the one
  // before by milliseconds, and 31 requests in 7 ms is not a rate of 4,400/s.
  const rps = kept.map((s, i) => {
    let from = i - 1;
    while (from > 0 && s.t - kept[from].t < RATE_WINDOW_S) from--;
    return from >= 0 ? requestRate(kept[from], s) : null;
  });
  return {
    t: kept.map((s) => round(s.t)),
    heapUsed: kept.map((s) => s.heapUsed),
    heapTotal: kept.map((s) => s.heapTotal),
    rss: kept.map((s) => s.rss),
    external: kept.map((s) => s.external),
    rps,
    rssHidden: rssDwarfsHeap(samples),
  };
}

/**
 * RSS includes code, stacks and the allocator's free lists; when it is many times the heap, on one
 * axis it flattens the heap line the findings are about. It starts hidden then (one click shows it).
 */
function rssDwarfsHeap(samples: TimelineSample[]): boolean {
  const maxOf = (pick: (s: TimelineSample) => number): number => samples.reduce((m, s) => Math.max(m, pick(s)), 0);
  return maxOf((s) => s.rss) > RSS_HIDDEN_RATIO * maxOf((s) => s.heapTotal);
}

/** When the target was paused for snapshots: from each snapshot's start and pause, else the sampler's flags. */
function pauseSpans(report: Report, timeline: TimelineSample[]): { from: number; to: number }[] {
  if (report.snapshots.length && report.snapshots.every((s) => s.pauseMs !== undefined)) {
    return report.snapshots.map((s) => ({ from: s.t, to: round(s.t + (s.pauseMs as number) / 1000) }));
  }
  const spans: { from: number; to: number }[] = [];
  for (let i = 0; i < timeline.length; i++) {
    if (!timeline[i].snapshotting) continue;
    const from = timeline[i - 1]?.t ?? timeline[i].t;
    let j = i;
    while (timeline[j + 1]?.snapshotting) j++;
    spans.push({ from, to: timeline[j].t });
    i = j;
  }
  return spans;
}

// ---------------------------------------------------------------------------------------------
// Escaping and assets

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON that can sit inside `<script type="application/json">`: no `<` (so no `</script>` or
 * `<!--`), no `>` or `&`, and no U+2028/2029; JSON.parse reads the escapes back unchanged.
 */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

interface Assets {
  template: string;
  charts: string;
  chartJs: string;
}

let cachedAssets: Assets | undefined;

function loadAssets(): Assets {
  if (cachedAssets) return cachedAssets;
  const dir = assetDirectory();
  const chartJsFile = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');
  const chartJs = readFileSync(chartJsFile, 'utf8');
  // Inlined verbatim: a `</script` inside would end the element early. Chart.js has none; check, not hope.
  if (/<\/script|<!--/i.test(chartJs)) throw new Error(`${chartJsFile} cannot be inlined in a <script> element`);
  cachedAssets = {
    template: readFileSync(join(dir, 'report-template.html'), 'utf8'),
    charts: readFileSync(join(dir, 'report-charts.js'), 'utf8'),
    chartJs,
  };
  return cachedAssets;
}

/**
 * The template and chart script are package files next to this module's source. Compiled, this
 * module runs from `dist/reports/`, and tsc does not copy non-TS files, so look in the source folder.
 */
function assetDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [here, join(here, '..', '..', 'reports')];
  const found = candidates.find((dir) => existsSync(join(dir, 'report-template.html')));
  if (found) return found;
  throw new Error(`report-template.html not found next to ${here}`);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

function signedBytes(n: number): string {
  return `${n >= 0 ? '+' : ''}${formatBytes(n)}`;
}

function formatRps(rps: number | null | undefined): string {
  if (rps === null || rps === undefined) return '—';
  return `${Number(rps.toFixed(rps >= 100 ? 1 : 2)).toLocaleString('en-US')}/s`;
}

function requestRate(from: TimelineSample, to: TimelineSample): number | null {
  return to.t > from.t ? round((to.requests - from.requests) / (to.t - from.t)) : null;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
