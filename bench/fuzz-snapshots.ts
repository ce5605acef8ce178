/**
 * Long fuzz run of the snapshot parser: many more mutated snapshots than the test suite runs, larger
 * ones, in a child process watched for hangs. Prints cases per mutation, parsed vs rejected, the
 * slowest case, and any case that threw something other than SnapshotFormatError.
 *
 *   npm run bench:fuzz -- [cases=20000] [seed=1] [maxNodes=200]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSnapshotFile, SnapshotFormatError } from '../analyzers/snapshot-parser.js';
import { fuzzCases } from '../test/helpers/snapshot-mutations.js';

const HANG_AFTER_MS = 15_000;

interface Tally {
  parsed: number;
  rejected: number;
}

interface FuzzResult {
  tallies: Record<string, Tally>;
  failures: string[];
  slowest: { ms: number; index: number; mutation: string };
}

async function runCases(seed: number, count: number, maxNodes: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'memprobe-fuzz-bench-'));
  const path = join(dir, 'case.heapsnapshot');
  const tallies: Record<string, Tally> = {};
  const failures: string[] = [];
  let slowest = { ms: 0, index: -1, mutation: '' };
  let index = 0;
  try {
    for (const fuzzCase of fuzzCases(seed, count, maxNodes)) {
      await writeFile(path, fuzzCase.bytes);
      const tally = (tallies[fuzzCase.mutation] ??= { parsed: 0, rejected: 0 });
      const started = performance.now();
      try {
        await parseSnapshotFile(path, { chunkSize: fuzzCase.chunkSize });
        tally.parsed++;
      } catch (err) {
        if (err instanceof SnapshotFormatError) tally.rejected++;
        else failures.push(`case ${index} (${fuzzCase.mutation}, chunkSize ${fuzzCase.chunkSize}): ${String(err)}`);
      }
      const ms = performance.now() - started;
      if (ms > slowest.ms) slowest = { ms, index, mutation: fuzzCase.mutation };
      if (++index % 500 === 0) process.stdout.write(`progress ${index}\n`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(`result ${JSON.stringify({ tallies, failures, slowest })}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    await runCases(Number(args[1]), Number(args[2]), Number(args[3]));
    return;
  }
  const count = Number(args[0] ?? 20000);
  const seed = Number(args[1] ?? 1);
  const maxNodes = Number(args[2] ?? 200);
  const started = performance.now();
  // The cases run in a child so that a parser stuck in a loop can be seen (no progress) and killed.
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], '--child', String(seed), String(count), String(maxNodes)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let lastProgress = 0;
  const received: { result: FuzzResult | null } = { result: null };
  let watchdog = setTimeout(onHang, HANG_AFTER_MS);
  function onHang(): void {
    console.error(`HANG: no progress for ${HANG_AFTER_MS / 1000} s after case ${lastProgress} (seed ${seed}); killing`);
    child.kill('SIGKILL');
    process.exitCode = 1;
  }
  let pending = '';
  child.stdout.on('data', (data: Buffer) => {
    pending += data.toString();
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.startsWith('progress ')) {
        lastProgress = Number(line.slice(9));
        clearTimeout(watchdog);
        watchdog = setTimeout(onHang, HANG_AFTER_MS);
      } else if (line.startsWith('result ')) {
        received.result = JSON.parse(line.slice(7)) as FuzzResult;
      }
    }
  });
  const code: number | null = await new Promise((resolve) => child.on('exit', resolve));
  clearTimeout(watchdog);
  const seconds = (performance.now() - started) / 1000;
  if (!received.result) {
    console.error(`fuzz child exited with ${code} before finishing`);
    process.exitCode = 1;
    return;
  }
  const { tallies, failures, slowest } = received.result;
  console.log(`fuzz: ${count} cases, seed ${seed}, up to ${maxNodes} nodes each, ${seconds.toFixed(1)} s`);
  console.log(`${'mutation'.padEnd(26)}${'parsed'.padStart(8)}${'rejected'.padStart(10)}`);
  for (const [mutation, tally] of Object.entries(tallies)) {
    console.log(`${mutation.padEnd(26)}${String(tally.parsed).padStart(8)}${String(tally.rejected).padStart(10)}`);
  }
  console.log(`slowest case: #${slowest.index} (${slowest.mutation}) ${slowest.ms.toFixed(1)} ms`);
  console.log(failures.length === 0 ? 'no case threw anything but SnapshotFormatError' : `${failures.length} FAILURES:`);
  for (const failure of failures.slice(0, 20)) console.log(`  ${failure}`);
  if (failures.length > 0) process.exitCode = 1;
}

await main();
