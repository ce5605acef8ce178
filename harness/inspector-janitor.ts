/**
 * Closes an inspector memprobe opened in someone else's process if memprobe dies before it can
 * (SIGKILL, a crash, a second Ctrl-C that exits at once). Without it, that process would be left
 * with an inspector listening on 127.0.0.1:9229 for the rest of its life.
 *
 * The janitor is a small detached process (its own process group, so the Ctrl-C that reaches
 * memprobe's group does not reach it) started right after the inspector opens. It polls memprobe's
 * pid; if memprobe disappears it closes the inspector the same way a normal detach does (after
 * checking the inspector still belongs to the target) and exits. A normal detach dismisses it first.
 * It holds no connection to the target while memprobe lives, so it costs the target nothing.
 *
 * This file is both sides: imported, it exports `startInspectorJanitor`; run as a script with the
 * role argument, it is the janitor.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROLE = '--memprobe-inspector-janitor';
const POLL_MS = 200;

export interface InspectorJanitor {
  /** memprobe closed the inspector itself (or the target is gone): the janitor exits. */
  dismiss(): void;
}

export function startInspectorJanitor(job: { targetPid: number; url: string; port: number }): InspectorJanitor {
  const self = fileURLToPath(import.meta.url);
  // From the sources (tests run TypeScript), the janitor needs tsx to load itself.
  const loader = self.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...loader, self, ROLE, String(process.pid), String(job.targetPid), job.url, String(job.port)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return {
    dismiss: () => {
      try {
        child.kill('SIGTERM');
      } catch {
        // already gone
      }
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function serve(memprobePid: number, targetPid: number, url: string, port: number): Promise<void> {
  const { askInspectorPid, closeInspector } = await import('./inspector-discovery.js');
  while (alive(memprobePid)) {
    if (!alive(targetPid)) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  if (!alive(targetPid)) return;
  // The port might by now be another process's inspector: close only the target's.
  if ((await askInspectorPid(url, 5000).catch(() => null)) !== targetPid) return;
  await closeInspector(url, port).catch(() => false);
}

if (process.argv[2] === ROLE) {
  const [memprobePid, targetPid, url, port] = process.argv.slice(3);
  process.on('SIGTERM', () => process.exit(0));
  serve(Number(memprobePid), Number(targetPid), url, Number(port)).then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
