// The Pareto frontier of (cost, accuracy) points: the points no other point beats on both, i.e. no other
// point costs at most as much and is at least as accurate with one of the two strictly better.

export interface Point {
  cost: number;
  accuracy: number;
}

/** Indices of the frontier points, by increasing cost (equal points are all kept). */
export function paretoFront<P extends Point>(points: readonly P[]): number[] {
  const dominated = (a: P, b: P) => b.cost <= a.cost && b.accuracy >= a.accuracy && (b.cost < a.cost || b.accuracy > a.accuracy);
  return points
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => !points.some((q) => dominated(p, q)))
    .sort((a, b) => a.p.cost - b.p.cost || b.p.accuracy - a.p.accuracy)
    .map(({ i }) => i);
}
