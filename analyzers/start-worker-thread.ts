/**
 * Starts a module as a worker thread with `data` as its workerData: the built `.js` directly, or a
 * `.ts` source (tests and `tsx` runs) through tsx's loader, which a worker does not inherit.
 */
import { Worker } from 'node:worker_threads';

export function startWorkerThread(moduleUrl: string, data: unknown): Worker {
  const self = new URL(moduleUrl);
  if (self.pathname.endsWith('.ts')) {
    const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(self.href)}); })`;
    return new Worker(bootstrap, { eval: true, workerData: data });
  }
  return new Worker(self, { workerData: data });
}
