/**
 * A real Node.js child with its inspector on 127.0.0.1 and a random port, for the capture tests:
 * the ws URL is read from the "Debugger listening on" line Node prints on stderr. Resolves once the
 * source has run: the inspector opens during Node's bootstrap, when evaluated code cannot use timers
 * yet, and a real target is never attached to that early.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';

export interface InspectableNode {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): Promise<void>;
}

export function startInspectableNode(source: string): Promise<InspectableNode> {
  const program = `${source}\nprocess.stderr.write('memprobe-test-target-ready\\n');`;
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', '--input-type=module', '-e', program], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`no inspector URL within 10 s: ${stderr}`)), 10_000);
    child.stderr!.on('data', (data: Buffer) => {
      stderr += data.toString();
      const m = /Debugger listening on (ws:\/\/\S+)/.exec(stderr);
      if (m && stderr.includes('memprobe-test-target-ready')) {
        clearTimeout(timer);
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        resolve({
          child,
          url: m[1],
          exited,
          async kill() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
            await exited;
          },
        });
      }
    });
    child.once('exit', () => reject(new Error(`the child exited before its inspector opened: ${stderr}`)));
  });
}

/**
 * Forks `file` (with an IPC channel) with its inspector on 127.0.0.1 and a random port, and
 * resolves with the child and its ws URL once the child has written "ready" to stderr: for the
 * benchmarks that steer their target by message.
 */
export async function forkInspectable(file: string): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(file, [], { execArgv: ['--inspect=127.0.0.1:0'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const url = await new Promise<string>((resolve) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d;
      const m = /Debugger listening on (ws:\/\/\S+)/.exec(err);
      if (m && err.includes('ready')) resolve(m[1]);
    });
  });
  return { child, url };
}
