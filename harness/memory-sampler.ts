/**
 * Memory and event-loop readings from inside the target, over the inspector.
 *
 * `install` puts one `perf_hooks.monitorEventLoopDelay` histogram in the target under a
 * `Symbol.for` key (so it never collides with the target's own globals and a second install reuses
 * it); each `read` returns `process.memoryUsage()` and the histogram's p99 since the previous read,
 * then resets it. `uninstall` disables and deletes it so nothing of memprobe lingers (attach leaves
 * the process as it found it).
 *
 * A read is one `Runtime.evaluate`, which the target answers only when its main thread is free: while
 * V8 writes a heap snapshot it does not answer at all. The sampler therefore never blocks its
 * caller: `latest()` is always available, and at most one read is in flight.
 */
import { evaluateInTarget } from './inspector-client.js';
import type { CdpSession } from './cdp-session.js';
import type { TimelineSample } from '../core/report-schema.js';

/** What one read returns: the memory and event-loop columns of a timeline line (the delay p99 is
 * since the previous read, null when the histogram saw no tick). */
export type MemoryReading = Pick<TimelineSample, 'heapUsed' | 'heapTotal' | 'rss' | 'external' | 'arrayBuffers' | 'eventLoopDelayP99Ms'>;

const KEY = 'memprobe.eventLoopDelay';
/**
 * Histogram resolution (ms): the sampling timer's period. At 20 ms a one-second reading holds at most
 * ~50 samples, so a single long stall (a heap snapshot, a GC) is above the 1% tail and shows as the
 * p99; at 10 ms it would sit exactly at the edge and often vanish.
 */
const RESOLUTION_MS = 20;

const builtin = (name: string) => `(globalThis.process.getBuiltinModule?.('${name}') ?? require('${name}'))`;

/**
 * Installs (once) and returns the probe: the histogram, when memprobe last read it, and a watchdog.
 * The watchdog removes the probe when memprobe has not read it for `orphanAfterMs` (memprobe was
 * killed, or lost the connection), so even then nothing of it stays in the target. Its timer is
 * unref'd: it never keeps the target alive.
 */
const probe = (orphanAfterMs: number) => `(() => {
  const key = Symbol.for('${KEY}');
  let probe = globalThis[key];
  if (!probe) {
    const histogram = ${builtin('perf_hooks')}.monitorEventLoopDelay({ resolution: ${RESOLUTION_MS} });
    histogram.enable();
    probe = { histogram, lastRead: Date.now(), watchdog: null };
    probe.watchdog = setInterval(() => {
      if (Date.now() - probe.lastRead < ${orphanAfterMs}) return;
      histogram.disable();
      clearInterval(probe.watchdog);
      if (globalThis[key] === probe) delete globalThis[key];
    }, ${Math.max(50, Math.min(10_000, Math.floor(orphanAfterMs / 2)))});
    probe.watchdog.unref?.();
    Object.defineProperty(globalThis, key, { value: probe, configurable: true, enumerable: false });
  }
  return probe;
})()`;

// The histogram records whole timer intervals, resolution included: subtract it to report delay.
const read = (orphanAfterMs: number) => `(() => {
  const probe = ${probe(orphanAfterMs)};
  probe.lastRead = Date.now();
  const h = probe.histogram;
  const m = process.memoryUsage();
  let p99 = null;
  if (h.count > 0) { p99 = Math.max(0, h.percentile(99) / 1e6 - ${RESOLUTION_MS}); h.reset(); }
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss, external: m.external,
    arrayBuffers: m.arrayBuffers, eventLoopDelayP99Ms: p99 };
})()`;

const UNINSTALL = `(() => {
  const key = Symbol.for('${KEY}');
  const probe = globalThis[key];
  if (probe) { probe.histogram.disable(); clearInterval(probe.watchdog); delete globalThis[key]; }
  return true;
})()`;

/** Long enough for any heap snapshot to finish (the target does not run the watchdog meanwhile). */
const DEFAULT_ORPHAN_AFTER_MS = 5 * 60_000;

export class MemorySampler {
  private last: MemoryReading | null = null;
  private inFlight: Promise<MemoryReading | null> | null = null;

  private readonly readExpression: string;

  private constructor(
    private readonly client: CdpSession,
    orphanAfterMs: number,
  ) {
    this.readExpression = read(orphanAfterMs);
  }

  /** Installs the probe in the target and takes a first reading. */
  static async install(client: CdpSession, options: { orphanAfterMs?: number } = {}): Promise<MemorySampler> {
    const sampler = new MemorySampler(client, options.orphanAfterMs ?? DEFAULT_ORPHAN_AFTER_MS);
    const first = await evaluateInTarget<MemoryReading>(client, sampler.readExpression);
    sampler.last = first;
    return sampler;
  }

  /** The most recent reading (null before the first answer). */
  latest(): MemoryReading | null {
    return this.last;
  }

  /**
   * Starts a reading unless one is in flight and returns it; resolves null when the target cannot
   * answer (gone, or did not answer within `timeoutMs`).
   */
  read(timeoutMs = 0): Promise<MemoryReading | null> {
    this.inFlight ??= evaluateInTarget<MemoryReading>(this.client, this.readExpression, { timeoutMs: 0 })
      .then((reading) => (this.last = reading))
      .catch(() => null)
      .finally(() => {
        this.inFlight = null;
      });
    if (timeoutMs <= 0) return this.inFlight;
    return Promise.race([this.inFlight, new Promise<null>((r) => setTimeout(r, timeoutMs, null).unref())]);
  }

  /** Removes the histogram from the target; quietly does nothing when the target is gone. */
  async uninstall(): Promise<void> {
    if (!this.client.isOpen) return;
    await evaluateInTarget(this.client, UNINSTALL, { timeoutMs: 5000 }).catch(() => undefined);
  }
}
