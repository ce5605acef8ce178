/**
 * Requests counted inside the target, so that bytes per request are known whoever drives the load:
 * memprobe, autocannon, k6, a fleet of load generators, real users.
 *
 * HTTP: one `diagnostics_channel` subscriber on `http.server.request.start`, which Node 20 publishes
 * once for every request an `http`/`https` server (and so express, fastify, koa ...) starts to serve.
 * It is installed over the inspector (`Runtime.evaluate`) under a `Symbol.for` key, non-enumerable,
 * and removed at the end (`uninstall`); like the memory sampler's histogram, a watchdog removes it
 * when memprobe stops reading it (killed, or the connection lost), so nothing of it stays behind.
 * The subscriber does one thing, `count++`: no allocation per request.
 *
 * Other work (a queue consumer, a batch job): `--count-expression '<expr>'` names a number the
 * target already keeps (`globalThis.jobsDone`, `require('./metrics').processed`), evaluated in the
 * target at each reading, promises awaited; `--count-metric NAME` reads a prom-client counter from
 * prom-client's default registry. Either way the count is the change since memprobe's first
 * reading, so a process that has served a million requests before memprobe came starts from 0.
 */
import type { CdpSession } from './cdp-session.js';
import { UsageError } from '../core/usage-error.js';

export const REQUEST_START_CHANNEL = 'http.server.request.start';
const KEY = 'memprobe.requestCounter';

export type RequestCountSource =
  | { kind: 'diagnostics_channel'; channel: typeof REQUEST_START_CHANNEL }
  | { kind: 'expression'; expression: string }
  | { kind: 'prom-client'; metric: string };

/** For report.load.countedBy: where the request count came from, in words. */
export function describeCountSource(source: RequestCountSource | { kind: 'driver' }): string {
  switch (source.kind) {
    case 'driver':
      return "memprobe's load driver (responses received)";
    case 'diagnostics_channel':
      return `in the target: diagnostics_channel '${source.channel}' (requests started by its HTTP servers)`;
    case 'expression':
      return `in the target: the expression ${source.expression}`;
    case 'prom-client':
      return `in the target: the prom-client metric '${source.metric}'`;
  }
}

const builtin = (name: string) => `(globalThis.process.getBuiltinModule?.('${name}') ?? require('${name}'))`;

/** Installs (once) and reads the HTTP counter; the watchdog removes it after `orphanAfterMs` unread. */
const channelRead = (orphanAfterMs: number) => `(() => {
  const key = Symbol.for('${KEY}');
  let counter = globalThis[key];
  if (!counter) {
    const dc = ${builtin('diagnostics_channel')};
    counter = { count: 0, lastRead: Date.now(), watchdog: null, onStart: null, remove: null };
    counter.onStart = () => { counter.count++; };
    counter.remove = () => {
      dc.unsubscribe('${REQUEST_START_CHANNEL}', counter.onStart);
      clearInterval(counter.watchdog);
      if (globalThis[key] === counter) delete globalThis[key];
    };
    dc.subscribe('${REQUEST_START_CHANNEL}', counter.onStart);
    counter.watchdog = setInterval(() => {
      if (Date.now() - counter.lastRead >= ${orphanAfterMs}) counter.remove();
    }, ${Math.max(50, Math.min(10_000, Math.floor(orphanAfterMs / 2)))});
    counter.watchdog.unref?.();
    Object.defineProperty(globalThis, key, { value: counter, configurable: true, enumerable: false });
  }
  counter.lastRead = Date.now();
  return counter.count;
})()`;

const UNINSTALL = `(() => {
  const counter = globalThis[Symbol.for('${KEY}')];
  if (counter) counter.remove();
  return true;
})()`;

/** A prom-client counter's value (summed over its label sets), from the default registry. */
function promClientExpression(metric: string): string {
  return `(async () => {
    const metric = require('prom-client').register.getSingleMetric(${JSON.stringify(metric)});
    if (!metric) throw new Error('no prom-client metric named ' + ${JSON.stringify(JSON.stringify(metric))});
    const { values } = await metric.get();
    return values.reduce((sum, v) => sum + (v.metricName === undefined || !/_(bucket|sum)$/.test(v.metricName) ? v.value : 0), 0);
  })()`;
}

const DEFAULT_ORPHAN_AFTER_MS = 5 * 60_000;

export class RequestCounter {
  private baseline = 0;
  private last: number | null = null;
  private inFlight: Promise<number | null> | null = null;
  private failures = 0;
  /** The first error of a reading that failed, for a note (an expression that stopped working). */
  lastError: string | null = null;

  private constructor(
    private readonly client: CdpSession,
    readonly source: RequestCountSource,
    private readonly expression: string,
  ) {}

  /**
   * Installs the counter in the target (HTTP) or checks the expression answers with a number; the
   * first reading is the baseline. An expression that throws or is not a number is a usage error.
   */
  static async install(
    client: CdpSession,
    source: RequestCountSource = { kind: 'diagnostics_channel', channel: REQUEST_START_CHANNEL },
    options: { orphanAfterMs?: number } = {},
  ): Promise<RequestCounter> {
    const expression =
      source.kind === 'diagnostics_channel'
        ? channelRead(options.orphanAfterMs ?? DEFAULT_ORPHAN_AFTER_MS)
        : source.kind === 'expression'
          ? source.expression
          : promClientExpression(source.metric);
    const counter = new RequestCounter(client, source, expression);
    let first: number;
    try {
      first = await counter.evaluate(10_000);
    } catch (err) {
      const what = source.kind === 'expression' ? `--count-expression ${source.expression}` : source.kind === 'prom-client' ? `--count-metric ${source.metric}` : 'the request counter';
      throw new UsageError(`${what}: ${(err as Error).message}`, source.kind === 'diagnostics_channel' ? undefined : 'it must evaluate, in the target, to a number that grows by one per unit of work');
    }
    counter.baseline = first;
    counter.last = 0;
    return counter;
  }

  /** Requests since install at the last answered reading (0 at first). */
  latest(): number | null {
    return this.last;
  }

  /** Starts a reading unless one is in flight; null when the target could not answer in `timeoutMs`. */
  read(timeoutMs = 0): Promise<number | null> {
    this.inFlight ??= this.evaluate(0)
      .then((value) => (this.last = Math.max(0, value - this.baseline)))
      .catch((err: Error) => {
        this.failures += 1;
        this.lastError ??= err.message;
        return null;
      })
      .finally(() => {
        this.inFlight = null;
      });
    if (timeoutMs <= 0) return this.inFlight;
    return Promise.race([this.inFlight, new Promise<null>((r) => setTimeout(r, timeoutMs, null).unref())]);
  }

  /** Removes the HTTP subscriber from the target; nothing to remove for an expression. */
  async uninstall(): Promise<void> {
    if (this.source.kind !== 'diagnostics_channel' || !this.client.isOpen) return;
    await this.client.send('Runtime.evaluate', { expression: UNINSTALL, returnByValue: true, silent: true }, { timeoutMs: 5000 }).catch(() => undefined);
  }

  private async evaluate(timeoutMs: number): Promise<number> {
    const answer = await this.client.send<{
      result: { value?: unknown; type?: string };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    }>(
      'Runtime.evaluate',
      { expression: this.expression, returnByValue: true, includeCommandLineAPI: true, silent: true, awaitPromise: true },
      { timeoutMs },
    );
    if (answer.exceptionDetails) {
      const detail = answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text;
      throw new Error(`evaluation in the target failed: ${detail.split('\n')[0]}`);
    }
    const value = answer.result.value;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`evaluates to ${value === undefined ? answer.result.type ?? 'undefined' : JSON.stringify(value)}, not a number`);
    }
    return value;
  }
}
