/**
 * Can these snapshots be one process's, in this order? Growth by owner compares owners across
 * snapshots, and cohorts (objects born before snapshot i still alive at snapshot j) rest on V8's
 * node ids: one process numbers its heap objects once and for all, so an object keeps its id from
 * snapshot to snapshot, and objects born later get higher ids. Snapshots of different processes
 * (two replicas, a restart between two `--heapsnapshot-signal`s) share no ids: their cohorts would
 * be silently wrong, and their "growth" the difference between two processes.
 *
 * What is checked, from what a summary and the first bytes of each file already hold:
 * - `meta` (field layouts and type names) is the same: one V8, one format;
 * - node ids continue: each snapshot's highest id is above the previous one's (V8 never reuses an
 *   id, and a snapshot taken later in a process allocates new ones, if only for its own bookkeeping);
 * - the objects both snapshots hold by id are the same objects (type and name), on a sample of ids
 *   (`identity-sample.ts`): this is what tells two replicas of one service apart;
 * - the objects a snapshot says were born before an earlier snapshot are no more than that earlier
 *   snapshot had (survivors cannot outnumber the population they survived from).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { compareIdentity, type IdentitySample } from './identity-sample.js';

export interface ContinuityInput {
  /** For the message: the file name as the user gave it. */
  file: string;
  /** `snapshot.meta` as canonical JSON, or null when it could not be read. */
  meta: string | null;
  maxNodeId: number;
  nodeCount: number;
  /**
   * Objects in this snapshot born before each earlier snapshot's highest id (lower bounds: summed
   * over the owners a summary keeps), index k for the boundary of snapshot k.
   */
  bornBefore: number[];
  identity?: IdentitySample;
}

/** Below this share of agreeing sampled ids (with enough shared), two snapshots are of two processes. */
const MIN_AGREEING_SHARE = 0.5;
const MIN_SHARED = 16;

/** The first reason these cannot be one process's snapshots, in order; null when they can. */
export function continuityProblem(snapshots: ContinuityInput[]): string | null {
  for (let i = 1; i < snapshots.length; i++) {
    const a = snapshots[i - 1];
    const b = snapshots[i];
    if (a.meta !== null && b.meta !== null && a.meta !== b.meta) {
      return `${b.file} and ${a.file} have different snapshot meta (another V8 version or format): not snapshots of one process`;
    }
    if (b.maxNodeId <= a.maxNodeId) {
      return `node ids do not continue from ${a.file} (highest id ${a.maxNodeId}) to ${b.file} (highest id ${b.maxNodeId}): not snapshots of one process, or not in the order they were taken`;
    }
    if (a.identity && b.identity) {
      const { shared, agreeing } = compareIdentity(a.identity, b.identity);
      if (shared >= MIN_SHARED && agreeing < shared * MIN_AGREEING_SHARE) {
        return `${a.file} and ${b.file} are not snapshots of one process: of ${shared} sampled node ids both hold, only ${agreeing} name the same object`;
      }
    }
    for (let k = 0; k < i; k++) {
      const born = b.bornBefore[k] ?? 0;
      if (born > snapshots[k].nodeCount) {
        return `${b.file} holds ${born} objects with ids from ${snapshots[k].file}, which had only ${snapshots[k].nodeCount}: not snapshots of one process`;
      }
    }
  }
  return null;
}

/** `snapshot.meta` of a .heapsnapshot file, as canonical JSON, read from its first 64 KiB; null if absent. */
export function readSnapshotMeta(file: string): string | null {
  const fd = openSync(file, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
  const at = head.indexOf('"meta"');
  if (at < 0) return null;
  const open = head.indexOf('{', at);
  if (open < 0) return null;
  let depth = 0;
  let inString = false;
  for (let i = open; i < head.length; i++) {
    const c = head[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) {
        try {
          return JSON.stringify(JSON.parse(head.slice(open, i + 1)));
        } catch {
          return null;
        }
      }
    }
  }
  return null;
}
