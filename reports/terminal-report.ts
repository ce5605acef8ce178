/**
 * The report as the few lines a person reads in a terminal after a run: each growing owner with its
 * rate, path, reason and fix, then the answer (verdicts, out-of-memory projection, gate) last, where
 * it stays on screen. Colours only when asked (a TTY); plain text for CI logs.
 */
import type { Finding, Report, Verdict } from '../core/report-schema.js';
import { safe } from '../core/control-characters.js';
import { formatBytes } from '../core/units.js';
import { formatRate } from '../analyzers/gate.js';
import { countsSentence, findingRate, headline, loadSentence, modeSentence, projectionSentence, snapshotSentence } from './report-text.js';

const MAX_FINDINGS_SHOWN = 5;
const MAX_EVIDENCE_SHOWN = 3;
/** Retainer paths longer than this are shown as the root, an ellipsis and the steps nearest the owner. */
const MAX_PATH_STEPS = 8;

type Paint = (text: string) => string;
interface Palette {
  bold: Paint;
  dim: Paint;
  red: Paint;
  yellow: Paint;
  cyan: Paint;
  green: Paint;
}

function palette(color: boolean): Palette {
  const sgr = (open: number, close: number): Paint => (color ? (t) => `\x1b[${open}m${t}\x1b[${close}m` : (t) => t);
  return { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), yellow: sgr(33, 39), cyan: sgr(36, 39), green: sgr(32, 39) };
}

export function renderTerminalReport(report: Report, options: { color: boolean }): string {
  const p = palette(options.color);
  const verdictPaint: Record<Verdict, Paint> = { leak: p.red, accumulation: p.yellow, bounded: p.cyan };
  const label = (name: string): string => p.dim(name.padEnd(10));
  const lines: string[] = [];

  const status = report.status === 'partial' ? p.red(' (partial)') : '';
  lines.push(`${p.bold('memprobe')} ${safe(report.target.command)} ${p.dim(`[${report.target.kind}]`)}${status}`);
  lines.push(`${label('load')}${loadSentence(report)}`);
  lines.push(`${label('mode')}${modeSentence(report)}`);
  if (report.meta?.mode !== 'sampling') lines.push(`${label('snapshots')}${snapshotSentence(report)}`);

  for (const finding of report.findings.slice(0, MAX_FINDINGS_SHOWN)) {
    lines.push('', findingLine(finding, verdictPaint[finding.verdict], p));
    if (finding.retainerPath.length) lines.push(`  ${label('held by')}${shortPath(finding.retainerPath).map(safe).join(p.dim(' → '))}`);
    finding.evidence.slice(0, MAX_EVIDENCE_SHOWN).forEach((e, i) => lines.push(`  ${label(i === 0 ? 'because' : '')}${safe(e)}`));
    if (finding.hint) lines.push(`  ${label('fix')}${safe(finding.hint)}`);
    const site = finding.allocationSites?.[0];
    if (finding.site) {
      finding.site.stack.forEach((frame, i) => lines.push(`  ${label(i === 0 ? 'allocated' : '')}${i === 0 ? '' : p.dim('← ')}${safe(frame)}`));
    } else if (site) lines.push(`  ${label('allocated')}${safe(site.functionName || '(anonymous)')} ${p.dim(safe(site.location))}`);
  }
  if (report.findings.length > MAX_FINDINGS_SHOWN) {
    lines.push('', p.dim(`  … ${report.findings.length - MAX_FINDINGS_SHOWN} more findings in report.html`));
  }

  lines.push('');
  const growing = report.findings.some((f) => f.verdict !== 'bounded');
  const answer = growing ? p.bold(safe(headline(report))) : p.green(safe(headline(report)));
  lines.push(`${label('verdict')}${answer} ${p.dim(`(${countsSentence(report)})`)}`);
  lines.push(`${label('memory')}${safe(projectionSentence(report))}`);
  if (report.gate) {
    const g = report.gate;
    lines.push(`${label('gate')}${g.passed ? p.green('passed') : p.red(p.bold('FAILED'))}`);
    for (const reason of g.reasons) lines.push(`  ${p.red('✗')} ${safe(reason)}`);
  }
  for (const note of report.notes) lines.push(`${label('note')}${safe(note)}`);
  return lines.join('\n') + '\n';
}

function findingLine(finding: Finding, paint: Paint, p: Palette): string {
  const tag = paint(p.bold(finding.verdict.toUpperCase().padEnd(13)));
  const growth = `${finding.growthBytes >= 0 ? '+' : ''}${formatBytes(finding.growthBytes)} over the run`;
  const rates = [findingRate(finding)];
  if (finding.bytesPerRequest !== null) rates.push(formatRate(finding.bytesPerSecond));
  rates.push(growth);
  const where = finding.process ? `  ${p.dim(`in ${safe(finding.process)}`)}` : '';
  return `${tag}${p.bold(safe(finding.owner))}${where}  ${rates.join(p.dim(' · '))}`;
}

/** The end of the path is where the fix goes; the middle of a long path is framework plumbing. */
function shortPath(path: string[]): string[] {
  if (path.length <= MAX_PATH_STEPS) return path;
  return [path[0], '…', ...path.slice(path.length - (MAX_PATH_STEPS - 2))];
}
