// Static arena planning: every intermediate tensor (and kernel scratch buffer) of the generated kernel gets
// a fixed byte offset in ONE static arena, chosen from tensor lifetimes so buffers that are never live at
// the same time share memory. Greedy-by-size placement first (as TFLM's GreedyMemoryPlanner), then a
// bounded exact search over placement orders, which is affordable for the < 30 buffers of these models.
//
// Why searching orders is enough: placing buffers in increasing order of their offsets in an optimal
// packing, each at the lowest offset that fits, never puts a buffer higher than the optimum does; so the
// best "lowest-fit over some order" is optimal, and a branch-and-bound over orders finds it.

export const ARENA_ALIGN = 16;

export interface BufferLifetime {
  name: string;
  /** Bytes the buffer needs (before alignment). */
  size: number;
  /** Index of the op that writes it first and of the op that reads it last (inclusive). */
  first: number;
  last: number;
}

export interface ArenaPlan {
  /** Byte offset of each buffer, 16-byte aligned. */
  offsets: Map<string, number>;
  /** Arena size: the highest end of any placed buffer, rounded up to the alignment. */
  arenaBytes: number;
  /** Max over op steps of the summed (aligned) sizes of the buffers live at that step: no plan does better. */
  arenaLowerBound: number;
  /** True when the search proved the plan optimal (it reached the lower bound or exhausted the search). */
  optimal: boolean;
}

export function alignUp(n: number, a = ARENA_ALIGN): number {
  return Math.ceil(n / a) * a;
}

function overlaps(a: BufferLifetime, b: BufferLifetime): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function arenaLowerBound(buffers: readonly BufferLifetime[]): number {
  let best = 0;
  const steps = new Set<number>();
  for (const b of buffers) steps.add(b.first);
  // The live sum only increases where a buffer begins, so checking those steps is enough.
  for (const t of steps) {
    let sum = 0;
    for (const b of buffers) if (b.first <= t && t <= b.last) sum += alignUp(b.size);
    best = Math.max(best, sum);
  }
  return best;
}

interface Placed {
  buf: number;
  offset: number;
  end: number;
}

/** Lowest aligned offset where buffer `i` overlaps no already placed, time-overlapping buffer. */
function lowestFit(i: number, size: number, placed: readonly Placed[], conflicts: boolean[][]): number {
  const blockers = placed.filter((p) => conflicts[i][p.buf]).sort((a, b) => a.offset - b.offset);
  let offset = 0;
  for (const p of blockers) {
    if (offset + size <= p.offset) break;
    offset = Math.max(offset, p.end);
  }
  return offset;
}

function placeInOrder(order: readonly number[], sizes: readonly number[], conflicts: boolean[][]): Placed[] {
  const placed: Placed[] = [];
  for (const i of order) {
    const offset = lowestFit(i, sizes[i], placed, conflicts);
    placed.push({ buf: i, offset, end: offset + sizes[i] });
  }
  return placed;
}

function peak(placed: readonly Placed[]): number {
  return placed.reduce((m, p) => Math.max(m, p.end), 0);
}

export interface PlanOptions {
  /** Upper limit on search nodes of the exact phase; keeps compile time bounded on unusual graphs. */
  searchBudget?: number;
}

export function planArena(buffers: readonly BufferLifetime[], opts: PlanOptions = {}): ArenaPlan {
  const names = new Set<string>();
  for (const b of buffers) {
    if (names.has(b.name)) throw new Error(`arena: buffer '${b.name}' is listed twice`);
    names.add(b.name);
    if (!(b.size > 0) || b.first > b.last) throw new Error(`arena: buffer '${b.name}' has size ${b.size} and lifetime [${b.first}, ${b.last}]`);
  }
  const n = buffers.length;
  const sizes = buffers.map((b) => alignUp(b.size));
  const conflicts = buffers.map((a) => buffers.map((b) => a !== b && overlaps(a, b)));
  const bound = arenaLowerBound(buffers);

  // Greedy by size (ties: longer lifetime, then earlier start), the usual strong starting point.
  const greedyOrder = [...Array(n).keys()].sort(
    (a, b) => sizes[b] - sizes[a] || buffers[b].last - buffers[b].first - (buffers[a].last - buffers[a].first) || buffers[a].first - buffers[b].first,
  );
  let best = placeInOrder(greedyOrder, sizes, conflicts);
  let bestPeak = peak(best);
  // Cheap improvement before the exact search: a deterministic local search over orders (swap two
  // positions, keep the swap when the peak does not grow). It usually lands on or near the optimum, which
  // makes the branch-and-bound below prune far more.
  if (bestPeak > bound && n > 1) {
    let order = greedyOrder.slice();
    let seed = 0x9e3779b9;
    const rnd = (k: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed % k;
    };
    for (let iter = 0; iter < 4000 && bestPeak > bound; iter++) {
      const i = rnd(n);
      const j = rnd(n);
      if (i === j) continue;
      const cand = order.slice();
      [cand[i], cand[j]] = [cand[j], cand[i]];
      const placed = placeInOrder(cand, sizes, conflicts);
      const p = peak(placed);
      if (p <= bestPeak) {
        order = cand;
        if (p < bestPeak) best = placed;
        bestPeak = p;
      }
    }
  }
  let exhausted = bestPeak <= bound;

  if (!exhausted) {
    let budget = opts.searchBudget ?? 200_000;
    const used = new Array<boolean>(n).fill(false);
    const placed: Placed[] = [];
    const dfs = (): boolean => {
      if (--budget < 0) return false;
      if (placed.length === n) {
        const p = peak(placed);
        if (p < bestPeak) {
          bestPeak = p;
          best = placed.slice();
        }
        return true;
      }
      // Try larger buffers first so good solutions (and pruning) come early. Two buffers that are never live
      // together do not affect each other's lowest fit, so adjacent ones commute: only the order with the
      // smaller index first is explored.
      const prev = placed.length > 0 ? placed[placed.length - 1].buf : -1;
      for (const i of greedyOrder) {
        if (used[i]) continue;
        if (prev >= 0 && !conflicts[prev][i] && i < prev) continue;
        const offset = lowestFit(i, sizes[i], placed, conflicts);
        if (offset + sizes[i] >= bestPeak) continue;
        used[i] = true;
        placed.push({ buf: i, offset, end: offset + sizes[i] });
        const complete = dfs();
        placed.pop();
        used[i] = false;
        if (!complete) return false;
        if (bestPeak <= bound) return true;
      }
      return true;
    };
    exhausted = dfs();
  }

  const offsets = new Map<string, number>();
  for (const p of best) offsets.set(buffers[p.buf].name, p.offset);
  return { offsets, arenaBytes: alignUp(bestPeak), arenaLowerBound: bound, optimal: exhausted || bestPeak <= bound };
}

/** Checks a plan: aligned offsets, no two time-overlapping buffers share a byte, all inside the arena. */
export function verifyArena(buffers: readonly BufferLifetime[], plan: ArenaPlan): void {
  for (const a of buffers) {
    const oa = plan.offsets.get(a.name);
    if (oa === undefined || oa % ARENA_ALIGN !== 0 || oa + a.size > plan.arenaBytes) {
      throw new Error(`arena: buffer '${a.name}' badly placed at ${oa}`);
    }
    for (const b of buffers) {
      if (a === b || !overlaps(a, b)) continue;
      const ob = plan.offsets.get(b.name)!;
      if (oa < ob + b.size && ob < oa + a.size) throw new Error(`arena: live buffers '${a.name}' and '${b.name}' overlap`);
    }
  }
}
