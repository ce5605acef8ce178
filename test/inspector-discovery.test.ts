import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  askInspectorPid,
  closeInspector,
  findOpenInspector,
  inspectorAddressOf,
  listeningSocketsOf,
  openInspector,
  pidListeningOn,
  probeInspectorPort,
} from '../harness/inspector-discovery.js';
import { InspectorClient } from '../harness/inspector-client.js';
import { HEALTHY_SERVER, IDLE_SCRIPT, freePort, killAll, startNode } from './helpers/running-node.js';

// Every target here picks a random inspector port (--inspect-port=0 / --inspect=…:0): the tests run
// in parallel with others, and 9229 is for the one end-to-end test of the default.
afterEach(killAll);

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

async function listenOn(port: number): Promise<void> {
  const server = createServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello'));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  servers.push(server);
}

describe('inspectorAddressOf', () => {
  it('reads --inspect-port from argv and NODE_OPTIONS (argv wins) and defaults to 127.0.0.1:9229', async () => {
    const plain = await startNode(['-e', IDLE_SCRIPT]);
    expect(inspectorAddressOf(plain.pid)).toEqual({ host: '127.0.0.1', port: 9229 });
    const flagged = await startNode(['--inspect-port=9444', '-e', IDLE_SCRIPT], { NODE_OPTIONS: '--inspect-port=9555' });
    expect(inspectorAddressOf(flagged.pid)).toEqual({ host: '127.0.0.1', port: 9444 });
    const viaEnv = await startNode(['-e', IDLE_SCRIPT], { NODE_OPTIONS: '--inspect-port 0' });
    expect(inspectorAddressOf(viaEnv.pid).port).toBe(0);
  });
});

describe('openInspector', () => {
  it('opens the inspector with SIGUSR1, verifies the pid, and closes it again leaving the process running', async () => {
    const target = await startNode(['--inspect-port=0', '-e', IDLE_SCRIPT]);
    expect(await findOpenInspector(target.pid)).toBeNull();

    const open = await openInspector(target.pid);
    expect(open.openedByMemprobe).toBe(true);
    expect(open.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/[\w-]+$/);
    expect(await askInspectorPid(open.url)).toBe(target.pid);
    expect(listeningSocketsOf(target.pid)!.map((s) => s.port)).toContain(open.port);

    expect(await closeInspector(open.url, open.port)).toBe(true);
    expect((await probeInspectorPort(open.port)).kind).toBe('closed');
    expect(listeningSocketsOf(target.pid)).toEqual([]);
    expect(target.alive()).toBe(true);

    // Closed cleanly means it can be opened again: a second attach later works.
    const again = await openInspector(target.pid);
    expect(await askInspectorPid(again.url)).toBe(target.pid);
    expect(await closeInspector(again.url, again.port)).toBe(true);
    expect(target.alive()).toBe(true);
  });

  it('opens and closes ten times in a row without crashing the process (the close waits out the session end)', async () => {
    // Closed as soon as the session ended, Node 20 crashed about one close in twenty (SIGSEGV); with
    // that bug back, this test fails about one run in three (measured), so a regression shows soon.
    const target = await startNode(['--inspect-port=0', HEALTHY_SERVER]);
    for (let i = 0; i < 10; i++) {
      const open = await openInspector(target.pid);
      expect(await closeInspector(open.url, open.port)).toBe(true);
      expect(target.alive(), `crashed at close ${i + 1}: ${target.stderr().slice(-300)}`).toBe(true);
    }
  });

  it('closing does not wait on another session someone connected meanwhile: it is ended', async () => {
    const target = await startNode(['--inspect-port=0', '-e', IDLE_SCRIPT]);
    const open = await openInspector(target.pid);
    const bystander = await InspectorClient.connect(open.url);
    const started = performance.now();
    expect(await closeInspector(open.url, open.port)).toBe(true);
    await bystander.closed;
    expect(performance.now() - started).toBeLessThan(3000);
    expect(target.alive()).toBe(true);
  });

  it('finds an inspector the user opened (--inspect) and says memprobe did not open it', async () => {
    const target = await startNode(['--inspect=127.0.0.1:0', '-e', IDLE_SCRIPT]);
    const open = await openInspector(target.pid);
    expect(open.openedByMemprobe).toBe(false);
    expect(target.stderr()).toContain(open.url.split('/').pop());
  });

  it('names the process when the inspector port is held by something that is not an inspector, without signalling', async () => {
    const port = await freePort();
    await listenOn(port);
    const target = await startNode([`--inspect-port=${port}`, '-e', IDLE_SCRIPT]);
    await expect(openInspector(target.pid)).rejects.toThrow(
      new RegExp(`^port ${port} is used by pid ${process.pid} \\(.*node.*\\), not a Node\\.js inspector`),
    );
    // Refused before SIGUSR1: Node never tried (and failed) to open it.
    expect(target.stderr()).not.toContain('Starting inspector');
    expect(target.alive()).toBe(true);
  });

  it("refuses another process's inspector on the port: 'inspector port P is used by pid X, not Y'", async () => {
    const port = await freePort();
    const other = await startNode([`--inspect=127.0.0.1:${port}`, '-e', IDLE_SCRIPT]);
    const target = await startNode([`--inspect-port=${port}`, '-e', IDLE_SCRIPT]);
    expect(pidListeningOn(port)).toBe(other.pid);
    await expect(openInspector(target.pid)).rejects.toThrow(`inspector port ${port} is used by pid ${other.pid}, not ${target.pid}`);
    expect(target.alive()).toBe(true);
  });

  it('times out with a clear message when the process handles SIGUSR1 itself (so Node does not open the inspector)', async () => {
    const target = await startNode(['--inspect-port=0', '-e', `process.on('SIGUSR1', () => {}); ${IDLE_SCRIPT}`]);
    await expect(openInspector(target.pid, { timeoutMs: 600 })).rejects.toThrow(/did not open within 1 s of SIGUSR1/);
    expect(target.alive()).toBe(true);
  });
});
