// `--shard I/N`: which projects a runner takes when N runners share a list of projects and a
// backend. The shard of a project depends on its id alone (a hash), not on its place in the list,
// so runners whose lists differ for a while (a rollout) still never both take a project: each
// project has exactly one shard. The price is an uneven split of short lists.

import { createHash } from "node:crypto";

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

/** The 1-based shard a project id falls in among `count`. */
export function shardOf(projectId: string, count: number): number {
  return (createHash("sha256").update(projectId).digest().readUInt32BE(0) % count) + 1;
}

/** The projects of `shard`, in the order given. */
export function projectsOfShard(projectIds: string[], shard: Shard | undefined): string[] {
  return shard ? projectIds.filter((id) => shardOf(id, shard.count) === shard.index) : projectIds;
}
