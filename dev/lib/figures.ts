// Small figures helpers the bench's modules share.

/** The middle value (the upper one of an even count); 0 for none. */
export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The arithmetic mean; NaN for none. */
export const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

export const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
