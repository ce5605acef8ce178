/**
 * Node.js processes for the attach tests: started the way a user's service would be (not by
 * memprobe), each reporting its own pid and port on its first stdout line, and killed after the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export const LEAKY_SERVER = fileURLToPath(new URL('../../fixtures/http-leaky-server.mjs', import.meta.url));
export const HEALTHY_SERVER = fileURLToPath(new URL('../../fixtures/http-healthy-server.mjs', import.meta.url));

/** A process that stays up and prints {"pid": …} (no server): for the inspector tests. */
export const IDLE_SCRIPT = 'process.stdout.write(JSON.stringify({ pid: process.pid, port: null }) + "\\n"); setInterval(() => {}, 1000);';

/** The repository root: run DIE_MID_SNAPSHOT from here, so that it finds `ws`. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `node -e DIE_MID_SNAPSHOT <ws url>`: a CDP client that dies as memprobe can (SIGKILL), in the
 * middle of a heap snapshot, with the target's chunks and the snapshot's answer still on their way.
 */
export const DIE_MID_SNAPSHOT = `
const WebSocket = require('ws');
const ws = new WebSocket(process.argv[1], { perMessageDeflate: false });
ws.on('open', () => {
  ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.enable' }));
  ws.send(JSON.stringify({ id: 2, method: 'HeapProfiler.takeHeapSnapshot', params: { reportProgress: true } }));
});
let chunks = 0;
ws.on('message', (d) => { if (String(d).includes('addHeapSnapshotChunk') && ++chunks === 2) process.kill(process.pid, 'SIGKILL'); });
ws.on('error', (err) => { console.error(err.message); process.exit(3); });
`;

export interface RunningNode {
  pid: number;
  /** The HTTP port for the servers, null for the idle script. */
  port: number | null;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far (Node's inspector messages go there). */
  stderr(): string;
  alive(): boolean;
  kill(): Promise<void>;
}

const running = new Set<RunningNode>();

/** Starts `node <nodeArgs…>` and resolves once it printed its pid line. */
export async function startNode(nodeArgs: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<RunningNode> {
  const child = spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, cwd });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const first = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`node ${nodeArgs.join(' ')} exited with ${code} before printing its pid: ${err}`)));
  });
  const { pid, port } = JSON.parse(first) as { pid: number; port: number | null };
  const node: RunningNode = {
    pid,
    port,
    child,
    stderr: () => err,
    alive: () => child.exitCode === null && child.signalCode === null,
    kill: async () => {
      running.delete(node);
      if (!node.alive()) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    },
  };
  running.add(node);
  return node;
}

export async function killAll(): Promise<void> {
  await Promise.all([...running].map((n) => n.kill()));
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** Sends `count` GET requests to the server, `concurrency` at a time, with keep-alive. */
export async function drive(port: number, count: number, concurrency = 10): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next++ < count) {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
