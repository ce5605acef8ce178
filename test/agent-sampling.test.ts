/**
 * The in-process agent in sampling mode (MEMPROBE_AGENT_MODE=sampling): a real application process
 * with the built agent preloaded, no inspector port, then `memprobe report` on its directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../core/report-schema.js';
import { agentConfigFromEnv } from '../harness/preload/agent-config.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const AGENT = join(ROOT, 'dist/harness/preload/agent.js');
const CLI = join(ROOT, 'dist/cli/memprobe.js');
const scratch = mkdtempSync(join(tmpdir(), 'memprobe-agent-sampling-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const APP = `
const kept = [];
function remember(i) { kept.push({ id: i, payload: new Array(16).fill(i) }); }
let i = 0;
const timer = setInterval(() => { for (let k = 0; k < 50; k++) remember(i++); }, 10);
setTimeout(() => clearInterval(timer), 6000);
`;

describe('agent, sampling mode', () => {
  it('reads the live sampled heap on a schedule, takes no snapshot, and the report names the site', () => {
    const app = join(scratch, 'app.mjs');
    writeFileSync(app, APP);
    const dir = join(scratch, 'run');
    const ran = spawnSync(process.execPath, ['--no-turbo-inlining', '--import', AGENT, app], {
      env: { ...process.env, MEMPROBE_AGENT_DIR: dir, MEMPROBE_AGENT_MODE: 'sampling', MEMPROBE_AGENT_SAMPLING_EVERY: '1s' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stderr).toMatch(/reads the sampling profile \(sampling mode: no snapshots\)/);
    expect(readdirSync(join(dir, 'snapshots'))).toEqual([]);
    expect(readFileSync(join(dir, 'sampling.ndjson'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(5);
    const reported = spawnSync(process.execPath, [CLI, 'report', dir, '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(reported.status, reported.stderr).toBe(0);
    const report = JSON.parse(reported.stdout) as Report;
    expect(report.meta?.mode).toBe('sampling');
    const finding = report.findings[0];
    expect(finding?.site?.functionName).toBe('remember');
    expect(finding.site!.location.startsWith(`${app}:3:`)).toBe(true);
    expect(finding.bytesPerRequest).toBeNull();
    expect(finding.bytesPerSecond).toBeGreaterThan(0);
  });

  it('refuses a bad mode, or sampling mode with the profiler off', () => {
    expect(() => agentConfigFromEnv({ MEMPROBE_AGENT_MODE: 'fast' }, 1)).toThrow(/MEMPROBE_AGENT_MODE: expected snapshots or sampling/);
    expect(() => agentConfigFromEnv({ MEMPROBE_AGENT_MODE: 'sampling', MEMPROBE_AGENT_SAMPLING: 'off' }, 1)).toThrow(/needs the sampling heap profiler/);
    expect(agentConfigFromEnv({ MEMPROBE_AGENT_MODE: 'sampling' }, 1)).toMatchObject({ mode: 'sampling', samplingEveryS: 10 });
  });
});
