import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { InspectorClient } from '../harness/inspector-client.js';
import { enableHeapProfiler } from '../harness/heap-capture.js';
import { encodePprofGzip } from '../reports/pprof-export.js';
import type { SamplingHeapProfile } from '../analyzers/allocation-sites.js';
import { startInspectableNode } from './helpers/inspectable-node.js';

function decode(bytes: Buffer) {
  const profile = Profile.decode(gunzipSync(bytes));
  const s = (i: number | bigint) => profile.stringTable.strings[Number(i)];
  const locationName = (id: number | bigint) => {
    const location = profile.location.find((l) => Number(l.id) === Number(id))!;
    const fn = profile.function.find((f) => Number(f.id) === Number(location.line[0].functionId))!;
    return { name: s(fn.name), file: s(fn.filename), line: Number(location.line[0].line) };
  };
  return { profile, s, locationName };
}

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0, scriptId: 1 });

describe('heap.pb.gz', () => {
  it('encodes a profile as gzip pprof with inuse_objects/inuse_space, stacks leaf first, objects scaled like bytes', () => {
    const profile: SamplingHeapProfile = {
      head: {
        callFrame: frame('(root)'),
        selfSize: 0,
        id: 1,
        children: [
          {
            callFrame: frame('handler', 'file:///app/server.js', 9),
            selfSize: 0,
            id: 2,
            children: [{ callFrame: frame('remember', 'file:///app/store.js', 41), selfSize: 65536, id: 3, children: [] }],
          },
        ],
      },
      // Two samples of 64-byte objects at a 32 KiB interval: each stands for ~512.5 objects.
      samples: [
        { size: 64, nodeId: 3, ordinal: 1 },
        { size: 64, nodeId: 3, ordinal: 2 },
      ],
    };
    const { profile: decoded, s, locationName } = decode(encodePprofGzip(profile, { samplingIntervalBytes: 32768, timeMs: 1_700_000_000_000 }));
    expect(decoded.sampleType.map((t) => `${s(t.type)}/${s(t.unit)}`)).toEqual(['inuse_objects/count', 'inuse_space/bytes']);
    expect(s(decoded.defaultSampleType)).toBe('inuse_space');
    expect(Number(decoded.period)).toBe(32768);
    expect(decoded.sample).toHaveLength(1);
    const [objects, bytes] = decoded.sample[0].value.map(Number);
    expect(bytes).toBe(65536);
    expect(objects).toBe(1025); // 2 / (1 - e^(-64/32768))
    expect(decoded.sample[0].locationId.map((id) => locationName(id).name)).toEqual(['remember', 'handler']);
    expect(locationName(decoded.sample[0].locationId[0])).toEqual({ name: 'remember', file: '/app/store.js', line: 42 });
  });

  it("a real target's profile decodes, and its largest sample is the allocating function", async () => {
    const target = await startInspectableNode(`
      globalThis.kept = [];
      function keepRecords() { for (let i = 0; i < 500; i++) globalThis.kept.push({ id: i, name: 'record-' + i, at: Date.now() }); }
      function churn() { let x = []; for (let i = 0; i < 200; i++) x.push({ i }); return x.length; }
      setInterval(() => { keepRecords(); churn(); }, 10);
    `);
    const client = await InspectorClient.connect(target.url);
    try {
      await enableHeapProfiler(client);
      await client.send('HeapProfiler.startSampling', { samplingInterval: 1024 });
      await new Promise((r) => setTimeout(r, 600));
      const { profile } = await client.send<{ profile: SamplingHeapProfile }>('HeapProfiler.stopSampling');
      const { profile: decoded, locationName } = decode(encodePprofGzip(profile, { samplingIntervalBytes: 1024 }));
      expect(decoded.sample.length).toBeGreaterThan(0);
      const largest = [...decoded.sample].sort((a, b) => Number(b.value[1]) - Number(a.value[1]))[0];
      expect(locationName(largest.locationId[0]).name).toBe('keepRecords');
      const [objects, bytes] = largest.value.map(Number);
      // Many small records (and the array that holds them, which grows in large steps).
      expect(objects).toBeGreaterThan(10);
      expect(bytes / objects).toBeGreaterThan(8);
    } finally {
      await client.close();
      await target.kill();
    }
  });
});
