/**
 * The HTTP load driver: GET one URL at a fixed arrival rate (open model, at most `vus` in flight,
 * drops counted), from a worker thread (`http-load-worker.ts`) so that the main thread's snapshot
 * parsing and report writing never stall the arrivals. Counters come back every 100 ms.
 */
import { Worker } from 'node:worker_threads';
import { UsageError } from '../core/usage-error.js';
import type { HttpLoadCommand, HttpLoadMessage, HttpLoadWorkerData } from './http-load-worker.js';
import { NO_LOAD_YET, type LoadCounters, type LoadDriver } from './target-process.js';

export interface HttpLoadOptions {
  url: string;
  rps: number;
  vus: number;
}


/** Creates the driver and boots its worker now, so that `start()` starts arrivals without delay. */
export function createHttpLoad(o: HttpLoadOptions): LoadDriver {
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    throw new UsageError(`--url: not a URL: "${o.url}"`, 'for example --url http://127.0.0.1:3000/');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url: expected http:// or https://, got "${o.url}"`);
  if (!(o.rps > 0) || !Number.isFinite(o.rps)) throw new UsageError(`--rps: expected a rate above 0, got ${o.rps}`);
  if (!Number.isInteger(o.vus) || o.vus < 1) throw new UsageError(`--vus: expected a whole number of at least 1, got ${o.vus}`);
  return new HttpLoad({ url: url.href, rps: o.rps, vus: o.vus });
}

class HttpLoad implements LoadDriver {
  readonly targetRps: number;
  private readonly worker: Worker;
  private latest: LoadCounters = NO_LOAD_YET;
  private failure: string | null = null;
  private readonly gone: Promise<void>;
  private readonly booted: Promise<void>;
  private stopping: Promise<void> | null = null;

  constructor(data: HttpLoadWorkerData) {
    this.targetRps = data.rps;
    this.worker = startWorker(data);
    // The load never keeps memprobe alive by itself: the run's own timers and the target do.
    this.worker.unref();
    this.worker.on('message', (m: HttpLoadMessage) => {
      if (m.type !== 'ready') this.latest = m.counters;
    });
    this.worker.on('error', (error) => {
      this.failure = `the HTTP load driver failed: ${error.message}`;
    });
    this.gone = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    const readyMessage = new Promise<void>((resolve) => {
      this.worker.on('message', (m: HttpLoadMessage) => m.type === 'ready' && resolve());
    });
    this.booted = Promise.race([readyMessage, this.gone]);
  }

  /** The worker boots in ~100 ms (more under load); arrivals start when it has, not when asked. */
  whenReady(): Promise<void> {
    return this.booted;
  }

  start(): void {
    this.command({ type: 'start' });
  }

  stop(graceMs = 2000): Promise<void> {
    return (this.stopping ??= (async () => {
      const stopped = new Promise<void>((resolve) => {
        this.worker.on('message', (m: HttpLoadMessage) => m.type === 'stopped' && resolve());
      });
      this.command({ type: 'stop', graceMs });
      await Promise.race([stopped, this.gone]);
      await this.worker.terminate();
    })());
  }

  counters(): LoadCounters {
    if (this.failure === null) return this.latest;
    return { ...this.latest, errorMessages: [...this.latest.errorMessages, this.failure] };
  }

  private command(c: HttpLoadCommand): void {
    this.worker.postMessage(c);
  }
}

function startWorker(data: HttpLoadWorkerData): Worker {
  const compiled = new URL('./http-load-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts')) return new Worker(compiled, { workerData: data });
  // Run from sources (tests, benches under tsx): a worker does not inherit tsx's hooks, so it
  // registers them itself before importing the TypeScript worker.
  const source = new URL('./http-load-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}
