/**
 * The corpus benchmark: real npm libraries with documented memory problems (and their fixed versions
 * or healthy uses as controls), each one file in bench/corpus/scenarios/ whose header declares what
 * is true of it (`@expect {...}`: verdict, owner, kind, rate, issue URL, library@version, control).
 * Every scenario goes through the real CLI (`memprobe run` or `memprobe attach`), and is measured
 * directly a second time (forced GCs, heapUsed per request) to check the finding's bytes/request.
 *
 *   npm run bench:corpus                          # everything (about 25 min on the shared 2-core machine)
 *   npm run bench:corpus -- --only debug          # scenarios whose file name contains "debug"
 *   npm run bench:corpus -- --jobs 2 --json out.json --duration 30s --direct-seconds 10 --no-direct
 *
 * The expectations are data (in the scenario files), never derived from what memprobe prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freePort } from '../test/helpers/running-node.js';

type Verdict = 'leak' | 'accumulation' | 'bounded' | 'none';
const VERDICTS: Verdict[] = ['leak', 'accumulation', 'bounded', 'none'];

export interface Expect {
  verdict: Verdict;
  /** Other verdicts that are also right (a capped cache that fills during warm-up shows nothing). */
  accept?: Verdict[];
  /** Acceptable owner names (the part before '@'), exact, or '/regex/'. Empty: any owner. */
  owner: string[];
  kind: 'script' | 'http' | 'attach';
  rps: number;
  duration: string;
  issue: string | null;
  library: string;
  control: boolean;
  /** Compare bytes/request with heapUsed + external + arrayBuffers (native or Buffer growth). */
  native?: boolean;
}

export interface Scenario {
  name: string;
  file: string;
  expect: Expect;
}

export interface Finding {
  owner: string;
  verdict: 'leak' | 'accumulation' | 'bounded';
  bytesPerRequest: number | null;
}

interface Direct {
  requests: number;
  heapPerRequest: number;
  externalPerRequest: number;
}

interface Result {
  name: string;
  library: string;
  issue: string | null;
  kind: Expect['kind'];
  control: boolean;
  expected: { verdict: Verdict; accept: Verdict[]; owner: string[] };
  found: { verdict: Verdict; owner: string | null; bytesPerRequest: number | null };
  findings: Finding[];
  verdictRight: boolean;
  ownerRight: boolean;
  right: boolean;
  direct: Direct | null;
  directError?: string;
  ratio: number | null;
  exitCode: number | null;
  seconds: number;
  error?: string;
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'bench'))) dir = dirname(dir);
  return dir;
}
const root = packageRoot();
const cli = join(root, 'dist', 'cli', 'memprobe.js');
const corpusDir = join(root, 'bench', 'corpus');
const scenarioDir = join(corpusDir, 'scenarios');

interface Options {
  only?: string;
  jobs: number;
  json?: string;
  merge?: string;
  duration?: string;
  directSeconds: number;
  direct: boolean;
}

function parseArgs(argv: string[]): Options {
  const out: Options = { jobs: 1, directSeconds: 12, direct: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--only') out.only = next();
    else if (a === '--jobs') out.jobs = Math.max(1, Number(next()));
    else if (a === '--json') out.json = next();
    else if (a === '--merge') out.merge = next();
    else if (a === '--duration') out.duration = next();
    else if (a === '--direct-seconds') out.directSeconds = Number(next());
    else if (a === '--no-direct') out.direct = false;
    else throw new Error(`unknown option ${a} (options: --only S[,S...], --jobs N, --json FILE, --merge FILE, --duration D, --direct-seconds N, --no-direct)`);
  }
  return out;
}

/** Reads the `@expect {...}` line of every scenario's header. */
export function loadScenarios(dir = scenarioDir): Scenario[] {
  const scenarios: Scenario[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.mjs')).sort()) {
    const text = readFileSync(join(dir, f), 'utf8');
    const m = /@expect\s+(\{.*\})\s*$/m.exec(text);
    if (!m) throw new Error(`${f}: no @expect {...} line in its header`);
    const expect = JSON.parse(m[1]) as Expect;
    if (!VERDICTS.includes(expect.verdict)) throw new Error(`${f}: bad verdict ${expect.verdict}`);
    scenarios.push({ name: f.replace(/\.mjs$/, ''), file: join(dir, f), expect });
  }
  return scenarios;
}

/** The name part of a report owner: `Job@/path/file.mjs:12` → `Job`; `Map (handlers)` stays. */
export function ownerName(owner: string): string {
  return owner.replace(/@.*$/, '').trim();
}

/**
 * Whether a finding's owner is one of the accepted names. The name part is matched (`Job@file:12` →
 * `Job`); an accepted name without parentheses also matches a name qualified by a trailing
 * parenthesis (`Router` matches `Router (express)`), while `Map (clients)` must match as written.
 */
export function ownerMatches(owner: string, accepted: string[]): boolean {
  if (accepted.length === 0) return true;
  const name = ownerName(owner);
  const bare = name.replace(/\s*\([^)]*\)$/, '');
  return accepted.some((a) => {
    if (a.length > 2 && a.startsWith('/') && a.endsWith('/')) return new RegExp(a.slice(1, -1)).test(name);
    return a === name || (!a.includes('(') && a === bare);
  });
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? root, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs) : undefined;
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}


function seconds(d: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(d);
  if (!m) throw new Error(`bad duration ${d}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n;
}

export async function ensureInstalled(): Promise<void> {
  const marker = join(corpusDir, 'node_modules', '.package-lock.json');
  const lock = join(corpusDir, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('installing bench/corpus (npm ci) ...');
  const r = await run('npm', ['ci', '--prefix', corpusDir, '--ignore-scripts', '--no-audit', '--no-fund'], { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`npm ci --prefix bench/corpus failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
}

async function ensureBuilt(): Promise<void> {
  if (existsSync(cli)) return;
  console.log('building memprobe (tsc) ...');
  const r = await run('npx', ['tsc', '-p', 'tsconfig.json'], { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`build failed: ${r.stdout.trim().split('\n').slice(-3).join(' | ')}`);
}

/** Starts `node <args> file` with PORT=0 and resolves with its {pid, port} line (and the inspector URL when asked). */
async function startServer(nodeArgs: string[], file: string, wantInspector: boolean): Promise<{ child: ChildProcess; pid: number; port: number; inspector: string | null }> {
  const child = spawn(process.execPath, [...nodeArgs, file], { cwd: dirname(file), env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server ${file} did not start: ${err.slice(-300)}`));
    }, 20_000);
    let line: { pid: number; port: number } | null = null;
    let inspector: string | null = null;
    const check = (): void => {
      if (line && (!wantInspector || inspector)) {
        clearTimeout(timer);
        resolve({ child, pid: line.pid, port: line.port, inspector });
      }
    };
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (!line && nl >= 0) {
        line = JSON.parse(out.slice(0, nl)) as { pid: number; port: number };
        check();
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = /Debugger listening on (ws:\/\/\S+)/.exec(err);
      if (m && !inspector) {
        inspector = m[1];
        check();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server ${file} exited with ${code}: ${err.slice(-300)}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

/** Fixed-rate HTTP GETs over keep-alive connections for `ms`; returns the number of requests sent. */
async function driveHttp(port: number, rps: number, ms: number, agent: http.Agent): Promise<number> {
  let sent = 0;
  let inflight = 0;
  const t0 = performance.now();
  const pending = new Set<Promise<void>>();
  while (performance.now() - t0 < ms) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rps) - sent;
    for (let k = 0; k < due; k++) {
      sent++;
      if (inflight >= 100) continue;
      inflight++;
      const p = new Promise<void>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
          res.on('error', () => resolve());
        });
        req.on('error', () => resolve());
      }).finally(() => {
        inflight--;
        pending.delete(p);
      });
      pending.add(p);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 3000))]);
  return sent;
}

/** Direct measurement of a server: --expose-gc and an inspector; gc() and process.memoryUsage() through Runtime.evaluate. */
async function measureServer(s: Scenario, directSeconds: number): Promise<Direct> {
  const server = await startServer(['--expose-gc', '--inspect=127.0.0.1:0'], s.file, true);
  const ws = new WebSocket(server.inspector!, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let id = 0;
  const pending = new Map<number, (v: unknown) => void>();
  ws.on('message', (d) => {
    const msg = JSON.parse(String(d)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const memory = async (): Promise<{ heap: number; external: number }> => {
    const expression = `new Promise((resolve) => { let n = 0; const step = () => { gc(); if (++n < 3) setImmediate(step); else { const m = process.memoryUsage(); resolve(JSON.stringify({ heap: m.heapUsed, external: m.external + m.arrayBuffers })); } }; step(); })`;
    const result = (await new Promise<unknown>((resolve) => {
      const myId = ++id;
      pending.set(myId, resolve);
      ws.send(JSON.stringify({ id: myId, method: 'Runtime.evaluate', params: { expression, awaitPromise: true, returnByValue: true } }));
    })) as { result: { value: string } };
    return JSON.parse(result.result.value) as { heap: number; external: number };
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  try {
    // Warm-up, a first phase, then the measured second phase (see measure-script.mjs for why).
    await driveHttp(server.port, s.expect.rps, 3000, agent);
    await driveHttp(server.port, s.expect.rps, (directSeconds * 1000) / 3, agent);
    await new Promise((r) => setTimeout(r, 200));
    const before = await memory();
    const n = await driveHttp(server.port, s.expect.rps, (directSeconds * 2000) / 3, agent);
    await new Promise((r) => setTimeout(r, 200));
    const after = await memory();
    return { requests: n, heapPerRequest: (after.heap - before.heap) / n, externalPerRequest: (after.external - before.external) / n };
  } finally {
    agent.destroy();
    ws.close();
    await stop(server.child);
  }
}

async function measureDirect(s: Scenario, directSeconds: number): Promise<Direct> {
  if (s.expect.kind === 'script') {
    const r = await run(process.execPath, ['--expose-gc', join(corpusDir, 'measure-script.mjs'), s.file, String(s.expect.rps), String(directSeconds)], {
      cwd: scenarioDir,
      timeoutMs: (directSeconds + 60) * 1000,
    });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as Direct;
    } catch {
      throw new Error(`measure-script failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    }
  }
  return measureServer(s, directSeconds);
}

export async function runMemprobe(s: Scenario, duration: string): Promise<{ findings: Finding[] | null; code: number | null; error?: string }> {
  const out = mkdtempSync(join(tmpdir(), `memprobe-corpus-${s.name.slice(0, 40)}-`));
  const common = ['--rps', String(s.expect.rps), '--duration', duration, '--out', join(out, 'run'), '--json', '--keep-snapshots', '0'];
  const timeoutMs = (seconds(duration) + 240) * 1000;
  let r: { code: number | null; stdout: string; stderr: string };
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    if (s.expect.kind === 'script') {
      r = await run(process.execPath, [cli, 'run', s.file, ...common], { timeoutMs });
    } else if (s.expect.kind === 'http') {
      const port = await freePort();
      r = await run(process.execPath, [cli, 'run', '--url', `http://127.0.0.1:${port}/`, ...common, '--', process.execPath, s.file], {
        env: { ...process.env, PORT: String(port) },
        timeoutMs,
      });
    } else {
      // Attach: a server started the way a user's service would be (not by memprobe); a random inspector port for SIGUSR1.
      server = await startServer(['--inspect-port=0'], s.file, false);
      r = await run(process.execPath, [cli, 'attach', String(server.pid), '--url', `http://127.0.0.1:${server.port}/`, ...common], { timeoutMs });
    }
  } catch (e) {
    return { findings: null, code: null, error: (e as Error).message };
  } finally {
    if (server) await stop(server.child);
  }
  let report: { findings: Finding[] } | null = null;
  try {
    report = JSON.parse(readFileSync(join(out, 'run', 'report.json'), 'utf8')) as { findings: Finding[] };
  } catch {
    try {
      report = JSON.parse(r.stdout) as { findings: Finding[] };
    } catch {
      report = null;
    }
  }
  rmSync(out, { recursive: true, force: true });
  if (!report) return { findings: null, code: r.code, error: r.stderr.trim().split('\n').slice(-3).join(' | ') };
  return { findings: report.findings, code: r.code };
}

export function judge(s: Scenario, findings: Finding[]): Pick<Result, 'found' | 'verdictRight' | 'ownerRight' | 'right'> {
  const top = findings[0];
  const found = { verdict: (top?.verdict ?? 'none') as Verdict, owner: top?.owner ?? null, bytesPerRequest: top?.bytesPerRequest ?? null };
  const accept = s.expect.accept ?? [];
  const verdictRight = found.verdict === s.expect.verdict || accept.includes(found.verdict);
  const ownerRight = found.verdict === 'none' || s.expect.verdict === 'none' ? true : ownerMatches(top!.owner, s.expect.owner);
  // A control must have no growing finding at all, not just a benign top one.
  const noFalseGrowth = !s.expect.control || findings.every((f) => f.verdict === 'bounded' && (s.expect.verdict === 'bounded' || accept.includes('bounded')));
  return { found, verdictRight, ownerRight, right: verdictRight && ownerRight && noFalseGrowth };
}

async function runOne(s: Scenario, opts: Options): Promise<Result> {
  const started = Date.now();
  const duration = opts.duration ?? s.expect.duration;
  const mp = await runMemprobe(s, duration);
  let direct: Direct | null = null;
  let directError: string | undefined;
  if (opts.direct) {
    try {
      direct = await measureDirect(s, opts.directSeconds);
    } catch (e) {
      directError = (e as Error).message;
    }
  }
  const findings = mp.findings ?? [];
  const j = judge(s, findings);
  const truth = direct ? direct.heapPerRequest + (s.expect.native ? direct.externalPerRequest : 0) : null;
  const ratio = !s.expect.control && truth && truth > 0 && j.found.bytesPerRequest !== null && j.found.verdict !== 'none' ? j.found.bytesPerRequest / truth : null;
  return {
    name: s.name,
    library: s.expect.library,
    issue: s.expect.issue,
    kind: s.expect.kind,
    control: s.expect.control,
    expected: { verdict: s.expect.verdict, accept: s.expect.accept ?? [], owner: s.expect.owner },
    findings: findings.map((f) => ({ owner: f.owner, verdict: f.verdict, bytesPerRequest: f.bytesPerRequest })),
    ...j,
    right: mp.findings === null ? false : j.right,
    direct,
    directError,
    ratio,
    exitCode: mp.code,
    seconds: (Date.now() - started) / 1000,
    error: mp.error,
  };
}

function fmt(n: number | null | undefined, digits = 1): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);
}

function printLine(r: Result): void {
  const exp = `${r.expected.verdict}${r.expected.owner.length ? ' ' + r.expected.owner[0] : ''}`;
  const got = r.error && r.findings.length === 0 ? `ERROR ${r.error}` : `${r.found.verdict}${r.found.owner ? ' ' + ownerName(r.found.owner) : ''}`;
  const bpr = r.found.bytesPerRequest !== null ? `${fmt(r.found.bytesPerRequest)} B/req` : '';
  const direct = r.direct ? `direct ${fmt(r.direct.heapPerRequest)} B/req` : r.directError ? `direct: ${r.directError.slice(0, 60)}` : '';
  const ratio = r.ratio !== null ? `ratio ${fmt(r.ratio, 2)}${Math.abs(r.ratio - 1) > 0.25 ? ' (!)' : ''}` : '';
  console.log(
    `${r.right ? 'ok  ' : 'FAIL'} ${r.name.padEnd(48)} ${r.kind.padEnd(6)} exp ${exp.padEnd(34)} got ${got.padEnd(40)} ${bpr} ${direct} ${ratio} [${r.findings.length} findings, ${fmt(r.seconds, 0)} s]`,
  );
  if (!r.right) for (const f of r.findings.slice(0, 6)) console.log(`       finding: ${f.verdict} ${f.owner} ${fmt(f.bytesPerRequest)} B/req`);
}

function summarize(results: Result[]): string {
  const lines: string[] = [];
  const problems = results.filter((r) => !r.control);
  const controls = results.filter((r) => r.control);
  lines.push('', `confusion matrix (rows: expected verdict, columns: verdict of the top finding; "none" = no finding)`);
  lines.push(`${'expected \\ found'.padEnd(18)}${VERDICTS.map((v) => v.padStart(14)).join('')}`);
  for (const e of VERDICTS) {
    const row = results.filter((r) => r.expected.verdict === e);
    if (row.length === 0) continue;
    lines.push(`${e.padEnd(18)}${VERDICTS.map((f) => String(row.filter((r) => r.found.verdict === f).length).padStart(14)).join('')}`);
  }
  const right = results.filter((r) => r.right).length;
  const verdictRight = results.filter((r) => r.verdictRight).length;
  lines.push('');
  lines.push(`top finding right (verdict and owner): ${right}/${results.length} (${fmt((100 * right) / Math.max(1, results.length), 0)}%)`);
  lines.push(`  verdict right: ${verdictRight}/${results.length}; problems right: ${problems.filter((r) => r.right).length}/${problems.length}; controls right: ${controls.filter((r) => r.right).length}/${controls.length}`);
  const growing = (r: Result): Finding[] => r.findings.filter((f) => f.verdict === 'leak' || f.verdict === 'accumulation');
  const perProblem = problems.map((r) => growing(r).length);
  lines.push(`growing findings (leak or accumulation) per problem: ${fmt(perProblem.reduce((a, b) => a + b, 0) / Math.max(1, problems.length), 2)} (over ${problems.length} problems; all findings, bounded included: ${fmt(problems.reduce((a, r) => a + r.findings.length, 0) / Math.max(1, problems.length), 2)})`);
  const mixed = problems.filter((r) => growing(r).some((f) => f.verdict === 'leak') && growing(r).some((f) => f.verdict === 'accumulation'));
  lines.push(`problems with mixed verdicts (both leak and accumulation findings): ${mixed.length}${mixed.length ? ': ' + mixed.map((r) => r.name).join(', ') : ''}`);
  const falseOnControls = controls.reduce((a, r) => a + growing(r).length, 0);
  const controlsWithFalse = controls.filter((r) => growing(r).length > 0);
  lines.push(`false findings on controls: ${falseOnControls} (on ${controlsWithFalse.length} of ${controls.length} controls${controlsWithFalse.length ? ': ' + controlsWithFalse.map((r) => r.name).join(', ') : ''})`);
  const withRatio = problems.filter((r) => r.ratio !== null);
  const outside = withRatio.filter((r) => Math.abs(r.ratio! - 1) > 0.25);
  lines.push(`bytes/request of the top finding vs measured directly (forced GCs, heapUsed delta / requests): ${withRatio.length - outside.length} of ${withRatio.length} problems within ±25% (controls listed for reference: their direct figure should be near 0)`);
  for (const r of results) {
    if (!r.direct) continue;
    lines.push(
      `  ${r.name.padEnd(48)} ${r.control ? 'control' : 'problem'}  found ${fmt(r.found.bytesPerRequest).padStart(9)}  direct ${fmt(r.direct.heapPerRequest).padStart(9)}  ratio ${fmt(r.ratio, 2).padStart(6)}${!r.control && r.ratio !== null && Math.abs(r.ratio - 1) > 0.25 ? '  (outside ±25%)' : ''}`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  await ensureInstalled();
  await ensureBuilt();
  const only = opts.only?.split(',').filter(Boolean) ?? [];
  const chosen = loadScenarios().filter((s) => only.length === 0 || only.some((o) => s.name.includes(o)));
  if (chosen.length === 0) throw new Error(`no scenario matches ${opts.only}`);
  const t0 = Date.now();
  console.log(
    `corpus: ${chosen.length} scenarios (${chosen.filter((s) => !s.expect.control).length} problems, ${chosen.filter((s) => s.expect.control).length} controls), jobs ${opts.jobs}, direct measurement ${opts.direct ? opts.directSeconds + ' s' : 'off'}`,
  );
  const results: Result[] = [];
  const queue = [...chosen];
  await Promise.all(
    Array.from({ length: Math.min(opts.jobs, queue.length) }, async () => {
      for (let s = queue.shift(); s; s = queue.shift()) {
        const r = await runOne(s, opts);
        results.push(r);
        printLine(r);
      }
    }),
  );
  if (opts.merge) {
    // A previous --json file: its results for the scenarios not re-run here are kept, and the summary covers all.
    const prior = (JSON.parse(readFileSync(opts.merge, 'utf8')) as { results: Result[] }).results;
    const rerun = new Set(results.map((r) => r.name));
    const kept = prior.filter((r) => !rerun.has(r.name));
    results.push(...kept);
    results.sort((a, b) => a.name.localeCompare(b.name));
    console.log(`\nmerged with ${opts.merge}: ${kept.length} results kept from it, ${rerun.size} re-run here; all scenarios:`);
    for (const r of results) printLine(r);
  }
  results.sort((a, b) => a.name.localeCompare(b.name));
  const summary = summarize(results);
  console.log(summary);
  console.log(`\ntotal time: ${fmt((Date.now() - t0) / 60000, 1)} min`);
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ schema: 'memprobe/corpus-results@1', results }, null, 2));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    console.error(`bench:corpus: ${(e as Error).message}`);
    process.exit(2);
  });
}
