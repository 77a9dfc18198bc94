// "Did you mean": the closest known name to a mistyped command or option, by a unique prefix
// (`imag` -> `image`, `aspect` -> `aspect-ratio`) or by Damerau-Levenshtein distance, which counts
// a swap of two neighbouring letters as one edit (`imgae` -> `image`, `vidoe` -> `video`).

/**
 * Edit distance with adjacent transpositions (the optimal string alignment variant): insertions,
 * deletions, substitutions and swaps of two neighbouring characters each cost 1.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  // Every cell read is inside the table; Infinity (never chosen by Math.min) only satisfies the types.
  const cell = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (const [i, row] of d.entries()) {
    if (i === 0) continue;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(cell(i - 1, j) + 1, cell(i, j - 1) + 1, cell(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, cell(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return cell(rows - 1, cols - 1);
}

/**
 * The known name the input most likely meant, or undefined when none is close: the only name that
 * starts with it (3 characters at least), else the nearest within a third of its length (at least 1).
 */
export function closestName(input: string, names: readonly string[]): string | undefined {
  const typed = input.toLowerCase();
  if (typed === '') return undefined;
  if (typed.length >= 3) {
    const prefixed = names.filter((name) => name.toLowerCase().startsWith(typed));
    if (prefixed.length === 1) return prefixed[0];
  }
  const limit = Math.max(1, Math.floor(typed.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of names) {
    const distance = editDistance(typed, name.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}
