/**
 * What memprobe needs of one Chrome DevTools Protocol session: commands, events, open or not. A
 * WebSocket connection to a process's inspector (`InspectorClient`) is one; a worker thread's session,
 * reached through the main thread's `NodeWorker` domain (`worker-threads.ts`), is another. Snapshots,
 * sampling, memory readings and the request counter take either.
 */
import type { SendOptions } from './inspector-client.js';

export interface CdpSession {
  readonly isOpen: boolean;
  send<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>, options?: SendOptions): Promise<T>;
  on(method: string, handler: (params: Record<string, unknown>) => void): () => void;
  close(): Promise<void>;
}
