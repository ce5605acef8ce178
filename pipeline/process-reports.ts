/**
 * One report for a service of several processes or threads: the run's own findings (the target's
 * main thread) plus those of each companion run directory under `<run>/processes/` (child
 * processes, worker threads; harness/companion-capture.ts), each finding naming where it grows
 * (`finding.process`), `report.processes[]` listing what was captured, and one line per owner that
 * grows in several of them ("AuditLog: accumulation in 2 of 2 cluster workers").
 *
 * Each companion directory is reported on its own first (its own report.json and report.html):
 * heaps of different isolates are never analysed together, their node ids are unrelated.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding, ProcessReportEntry, Report } from '../core/report-schema.js';
import { PROCESSES_DIR, RUN_FILES, type RunRecord } from '../core/run-directory-layout.js';
import { formatBytes } from '../core/units.js';

/** The companion run directories of a run, in name order; [] for a run of one isolate. */
export function companionDirectories(runDir: string): string[] {
  const dir = join(runDir, PROCESSES_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, RUN_FILES.run)))
    .sort(byPidThenThread)
    .map((d) => join(dir, d));
}

/** pid-99-thread-2 after pid-99, pid-100 after pid-99. */
function byPidThenThread(a: string, b: string): number {
  const key = (s: string) => (s.match(/\d+/g) ?? []).map(Number);
  const [ka, kb] = [key(a), key(b)];
  for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
    const d = (ka[i] ?? -1) - (kb[i] ?? -1);
    if (d !== 0) return d;
  }
  return a.localeCompare(b);
}

/** What kind of unit a companion is, for "in 2 of 2 cluster workers". */
function groupOf(entry: ProcessReportEntry): string {
  if (entry.kind === 'thread') return 'worker threads';
  const role = /\(([^)]*)\)$/.exec(entry.name)?.[1] ?? 'processes';
  if (role.startsWith('cluster worker')) return 'cluster workers';
  if (role.startsWith('PM2 cluster worker')) return 'PM2 cluster workers';
  if (role.startsWith('PM2 fork')) return 'PM2 forks';
  return 'child processes';
}

/**
 * Adds the companions' findings and the processes table to `report` (the target's), given each
 * companion's own report (from `reportOne`). Returns `report` unchanged when there are none.
 */
export async function withCompanionReports(
  runDir: string,
  report: Report,
  reportOne: (dir: string) => Promise<Report>,
): Promise<Report> {
  const dirs = companionDirectories(runDir);
  if (dirs.length === 0) return report;
  const mainName = `pid ${report.target.pid ?? '?'} (${report.target.kind === 'attach' ? 'the attached process' : 'the target'}, main thread)`;
  const entries: ProcessReportEntry[] = [
    { name: mainName, kind: 'process', pid: report.target.pid ?? null, dir: '.', requests: report.load.requests, findings: report.findings.length, status: report.status },
  ];
  const findings: Finding[] = report.findings.map((f) => ({ ...f, process: mainName }));
  const notes: string[] = [];
  const subReports: Report[] = [];
  for (const dir of dirs) {
    const run = JSON.parse(readFileSync(join(dir, RUN_FILES.run), 'utf8')) as RunRecord;
    const name = run.companion?.name ?? dir;
    const sub = await reportOne(dir);
    subReports.push(sub);
    const entry: ProcessReportEntry = {
      name,
      kind: run.companion?.kind ?? 'process',
      pid: run.target.pid ?? null,
      ...(run.companion?.threadId !== undefined ? { threadId: run.companion.threadId } : {}),
      dir: join(PROCESSES_DIR, dir.split('/').pop()!),
      requests: sub.load.requests,
      findings: sub.findings.length,
      status: sub.status,
    };
    entries.push(entry);
    findings.push(...sub.findings.map((f) => ({ ...f, process: name })));
    if (sub.status === 'partial') notes.push(`${name}: partial (${sub.notes[0] ?? 'see its report'})`);
  }
  // The same owner growing in several units of one kind: one line for all of them.
  const byGroup = new Map<string, ProcessReportEntry[]>();
  for (const e of entries.slice(1)) byGroup.set(groupOf(e), [...(byGroup.get(groupOf(e)) ?? []), e]);
  for (const [group, members] of byGroup) {
    if (members.length < 2) continue;
    const names = new Set(members.map((m) => m.name));
    const byOwner = new Map<string, Finding[]>();
    for (const f of findings) {
      if (!names.has(f.process!)) continue;
      const key = `${f.key ?? f.owner}\0${f.verdict}`;
      byOwner.set(key, [...(byOwner.get(key) ?? []), f]);
    }
    for (const same of byOwner.values()) {
      if (same.length < 2) continue;
      const each = same
        .map((f) => `${f.process!.replace(/ \(.*$/, '')} ${f.bytesPerRequest !== null ? `${f.bytesPerRequest.toFixed(1)} B/request` : `${formatBytes(f.bytesPerSecond * 3600)}/h`}`)
        .join(', ');
      notes.push(`${same[0].owner}: ${same[0].verdict} in ${same.length} of ${members.length} ${group} (${each}).`);
    }
  }
  findings.sort((a, b) => b.growthBytes - a.growthBytes);
  // A cluster's primary serves nothing itself: the service's requests are its workers'.
  let load = report.load;
  const counted = entries.slice(1).filter((e) => e.kind === 'process' && e.requests !== null);
  if (!report.load.requests && counted.length > 0) {
    const requests = counted.reduce((sum, e) => sum + (e.requests ?? 0), 0);
    load = { ...report.load, requests, achievedRps: report.load.durationS > 0 ? Math.round((requests / report.load.durationS) * 10) / 10 : null };
    notes.push(`Requests: ${requests} in all, counted inside the ${counted.length} child processes (the target itself served none).`);
  }
  // The process that runs out of memory first is the one the projection is about.
  let projection = report.projection;
  let growing = report.findings.some((f) => f.verdict !== 'bounded');
  for (const [i, sub] of subReports.entries()) {
    const s = sub.projection.secondsToLimit;
    const subGrowing = sub.findings.some((f) => f.verdict !== 'bounded');
    if ((s !== null && (projection.secondsToLimit === null || s < projection.secondsToLimit)) || (!growing && subGrowing && projection.secondsToLimit === null)) {
      growing ||= subGrowing;
      projection = { ...sub.projection, ...(sub.projection.text ? { text: `${sub.projection.text} (in ${entries[i + 1].name})` } : {}) };
    }
  }
  return {
    ...report,
    load,
    projection,
    findings,
    processes: entries,
    notes: [...notes, ...report.notes, `Captured ${entries.length} isolates: ${entries.map((e) => e.name).join('; ')}. Each has its own report in its directory.`],
  };
}
