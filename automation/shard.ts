// `--shard I/N`: which projects a runner takes when N runners share a list of projects and a
// backend. The list is sorted first, so the order each runner was given does not matter, and dealt
// round-robin, so shard sizes differ by at most one (a hash of the id would split short lists
// badly). Runners whose lists differ may both take a project, which the stack lock serialises, or
// leave one for the next round.

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** At most this many runners: a larger N leaves most shards empty. */
export const MAX_SHARDS = 1000;

/** Parses `I/N` (1 ≤ I ≤ N ≤ 1000); throws a RangeError saying what is expected. */
export function parseShard(text: string): Shard {
  const match = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(index >= 1 && count >= 1 && index <= count && count <= MAX_SHARDS)) {
    throw new RangeError(`I/N with 1 <= I <= N <= ${MAX_SHARDS} expected, such as 2/5 for the second of five runners; got ${JSON.stringify(text)}`);
  }
  return { index, count };
}

/** The projects of `shard`, in the order given: the sorted list's entries I, I+N, I+2N, … */
export function projectsOfShard(projectIds: string[], shard: Shard | undefined): string[] {
  if (!shard) return projectIds;
  const rank = new Map([...projectIds].sort().map((id, i) => [id, i]));
  return projectIds.filter((id) => rank.get(id)! % shard.count === shard.index - 1);
}
