/**
 * Allocation sites of a finding's growth, from a V8 sampling heap profile (CDP
 * `HeapProfiler.stopSampling`, a Chrome `.heapprofile`, v8-profiler-next's `stopSamplingHeapProfiling`).
 *
 * A sampling profile keeps, per call tree node, the sampled bytes allocated there that were still
 * alive when sampling stopped: allocations that survived, which is what growth is made of. It does
 * not record what type of object was allocated, so a sample cannot be tied to an owner by type.
 * Each sample's stack is tied to at most one finding, by the strongest link available:
 *
 * 1. `owner-function`: a frame on the stack is the owner's constructor or one of its methods
 *    (`functionName` equal to the owner, or `Owner.method`, V8's name for class methods in profiles).
 * 2. `owner-script`: the allocating frame (or a caller) is in the script that defines the owner
 *    (the owner's `location` from the heap snapshot), e.g. `TrendSink.add` pushing a sample.
 * Between owners with a link, the frame nearest the allocation decides: a library class's method
 * called from the app's script belongs to the library class.
 * 3. `pattern-module`: the stack passes through the Node.js module that creates the kind of object
 *    that grew (`node:events` for listeners, timers for timers, http/net for sockets).
 * 4. `only-growing-owner`: there is a single unbounded finding and the stack links to no other; the
 *    weakest link, said so in `link`.
 *
 * The reported site is the allocating frame nearest the leaf that is not Node.js internals; when it
 * is in `node_modules`, `calledFrom` names the nearest caller outside, the line a user can change.
 */
import type { AllocationSite } from '../core/report-schema.js';
import type { GrowthPattern } from './verdicts.js';

export interface SamplingCallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
  scriptId: string | number;
}

export interface SamplingHeapProfileNode {
  callFrame: SamplingCallFrame;
  selfSize: number;
  id: number;
  children: SamplingHeapProfileNode[];
}

export interface SamplingHeapProfile {
  head: SamplingHeapProfileNode;
  samples?: { size: number; nodeId: number; ordinal: number }[];
}

/** What allocation-site linking needs to know of a finding. */
export interface SiteOwner {
  owner: string;
  /** `script:line` (or `script:line:col`) of the owner's constructor, when known. */
  location: string | null;
  pattern: GrowthPattern;
  /** Only unbounded findings can take the `only-growing-owner` link. */
  unbounded: boolean;
}

const MAX_SITES = 5;
const MIN_SITE_SHARE = 0.02;

const isInternal = (f: SamplingCallFrame) => !f.url || f.url.startsWith('node:') || f.url.startsWith('internal/');
const inNodeModules = (f: SamplingCallFrame) => /[\\/]node_modules[\\/]/.test(f.url);
// The tool's own frames (the harness that calls the iteration) are never a site.
const isToolFrame = (f: SamplingCallFrame) => /[\\/](dist[\\/])?harness[\\/][^\\/]+\.[cm]?[jt]s$/.test(f.url);

function fileOf(urlOrPath: string): string {
  const clean = urlOrPath.replace(/^file:\/\//, '');
  return clean.slice(clean.lastIndexOf('/') + 1);
}

/** The script part of an owner location `script:line[:col]`. */
function scriptOf(location: string | null): string | null {
  if (!location) return null;
  const m = /^(.*?):\d+(?::\d+)?$/.exec(location);
  return m ? m[1] : location;
}

function frameLabel(f: SamplingCallFrame): string {
  return `${f.url.replace(/^file:\/\//, '')}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
}

const PATTERN_MODULES: Partial<Record<GrowthPattern, RegExp>> = {
  listeners: /^node:(events|internal\/event_target)$/,
  timers: /^node:(timers|internal\/timers)$/,
  sockets: /^node:(_http_\w+|net|tls|internal\/http|internal\/streams\/.*)$/,
  promises: /^node:internal\/process\/promises$/,
};

type Link = NonNullable<AllocationSite['link']>;
const LINK_RANK: Record<Link, number> = { 'owner-function': 4, 'owner-script': 3, 'pattern-module': 2, 'only-growing-owner': 1 };

interface LinkMatch {
  link: Link;
  /** Stack index of the frame that made the link: the deeper (nearer the allocation), the more specific. */
  depth: number;
}

function deepest(stack: SamplingCallFrame[], match: (f: SamplingCallFrame) => boolean): number {
  for (let i = stack.length - 1; i >= 0; i--) if (match(stack[i])) return i;
  return -1;
}

function linkOf(stack: SamplingCallFrame[], owner: SiteOwner): LinkMatch | null {
  const name = owner.owner;
  const byFunction = deepest(stack, (f) => f.functionName === name || f.functionName.startsWith(`${name}.`));
  let byScript = -1;
  const script = scriptOf(owner.location);
  if (script) {
    const file = fileOf(script);
    // Scripts appear as ids, paths or file URLs depending on the producer: compare file names,
    // and a numeric id only with the frame's scriptId.
    byScript = /^\d+$/.test(script)
      ? deepest(stack, (f) => String(f.scriptId) === script)
      : deepest(stack, (f) => !!f.url && fileOf(f.url) === file);
  }
  // Both are the owner's own code; whichever is nearer the allocation is the more specific link.
  if (byFunction >= 0 && byFunction >= byScript) return { link: 'owner-function', depth: byFunction };
  if (byScript >= 0) return { link: 'owner-script', depth: byScript };
  const modules = PATTERN_MODULES[owner.pattern];
  const byModule = modules ? deepest(stack, (f) => modules.test(f.url)) : -1;
  return byModule >= 0 ? { link: 'pattern-module', depth: byModule } : null;
}

/**
 * The frame nearest the allocation is the most specific evidence (an app script that defines one
 * owner also calls into every library); at equal depth, owner code outranks a module link.
 */
function better(a: LinkMatch, b: LinkMatch | null): boolean {
  if (!b) return true;
  return a.depth !== b.depth ? a.depth > b.depth : LINK_RANK[a.link] > LINK_RANK[b.link];
}

function siteOf(stack: SamplingCallFrame[]): { site: SamplingCallFrame; calledFrom: SamplingCallFrame | null } | null {
  for (let i = stack.length - 1; i >= 0; i--) {
    const f = stack[i];
    if (isInternal(f) || isToolFrame(f)) continue;
    let calledFrom: SamplingCallFrame | null = null;
    if (inNodeModules(f)) {
      for (let j = i - 1; j >= 0; j--) {
        if (isInternal(stack[j]) || inNodeModules(stack[j])) continue;
        // A library the tool itself uses inside the target (its latency histogram) is the tool's.
        if (isToolFrame(stack[j])) return null;
        calledFrom = stack[j];
        break;
      }
    }
    return { site: f, calledFrom };
  }
  return null;
}

export interface AllocationSiteResult {
  /** Per owner, in the order given: top sites, largest sampled surviving bytes first. */
  sites: AllocationSite[][];
  /** Sampled surviving bytes whose stack holds only Node internals and the tool's own frames. */
  toolOnlyBytes: number;
  /** All sampled surviving bytes. */
  totalBytes: number;
}

/**
 * For each owner, the top allocation sites of its growth. Also says how many sampled bytes had no
 * user frame at all: V8's sampling heap profiler records physical frames only, so a target function
 * that TurboFan inlined into the harness's loop shows up as the harness's frame.
 */
export function allocationSitesByOwner(profile: SamplingHeapProfile, owners: SiteOwner[]): AllocationSiteResult {
  const perOwner = owners.map(() => new Map<string, AllocationSite>());
  const unbounded = owners.filter((o) => o.unbounded);
  const stack: SamplingCallFrame[] = [];
  let toolOnlyBytes = 0;
  let totalBytes = 0;

  const visit = (node: SamplingHeapProfileNode) => {
    stack.push(node.callFrame);
    if (node.selfSize > 0) {
      totalBytes += node.selfSize;
      if (stack.some(isToolFrame) && !siteOf(stack)) toolOnlyBytes += node.selfSize;
      attribute(node.selfSize);
    }
    for (const child of node.children ?? []) visit(child);
    stack.pop();
  };

  const attribute = (bytes: number) => {
    let best = -1;
    let bestMatch: LinkMatch | null = null;
    owners.forEach((o, i) => {
      const match = linkOf(stack, o);
      if (match && better(match, bestMatch)) {
        best = i;
        bestMatch = match;
      }
    });
    let bestLink: Link | null = bestMatch ? (bestMatch as LinkMatch).link : null;
    if (best < 0 && unbounded.length === 1) {
      best = owners.indexOf(unbounded[0]);
      bestLink = 'only-growing-owner';
    }
    if (best < 0 || !bestLink) return;
    const where = siteOf(stack);
    if (!where) return;
    const location = frameLabel(where.site);
    const key = `${where.site.functionName}@${location}`;
    const sites = perOwner[best];
    const existing = sites.get(key);
    if (existing) {
      existing.bytes += bytes;
      if (LINK_RANK[bestLink] > LINK_RANK[existing.link!]) existing.link = bestLink;
    } else {
      sites.set(key, {
        functionName: where.site.functionName || '(anonymous)',
        location,
        bytes,
        link: bestLink,
        ...(where.calledFrom
          ? { calledFrom: `${where.calledFrom.functionName || '(anonymous)'} ${frameLabel(where.calledFrom)}` }
          : {}),
      });
    }
  };

  visit(profile.head);
  const sites = perOwner.map((byKey) => {
    const all = [...byKey.values()].sort((a, b) => b.bytes - a.bytes);
    // A site with a sliver of the owner's sampled bytes is one sample or two: noise, not a cause.
    const total = all.reduce((sum, site) => sum + site.bytes, 0);
    return all.filter((site) => site.bytes >= MIN_SITE_SHARE * total).slice(0, MAX_SITES);
  });
  return { sites, toolOnlyBytes, totalBytes };
}
