// Length-limited canonical Huffman codes, as used by VP8L (and deflate): lengths from symbol
// frequencies, then codes assigned in (length, symbol) order, stored bit-reversed for LSB-first output.

/** Code lengths per symbol (0 = unused) for a complete prefix code no longer than `maxLength`. */
export function huffmanLengths(frequencies: ArrayLike<number>, maxLength: number): Uint8Array {
  const size = frequencies.length;
  const lengths = new Uint8Array(size);
  const used: number[] = [];
  for (let s = 0; s < size; s++) if ((frequencies[s] as number) > 0) used.push(s);
  if (used.length === 0) return lengths;
  if (used.length === 1) {
    lengths[used[0] as number] = 1; // decoders treat a lone symbol as a zero-bit code
    return lengths;
  }

  // Too-deep trees are rare; flattening the counts (halving, keeping them non-zero) always ends.
  const counts = used.map((s) => frequencies[s] as number);
  for (;;) {
    const depths = treeDepths(counts);
    if (Math.max(...depths) <= maxLength) {
      used.forEach((symbol, i) => {
        lengths[symbol] = depths[i] as number;
      });
      return lengths;
    }
    for (let i = 0; i < counts.length; i++) counts[i] = Math.max(1, (counts[i] as number) >>> 1);
  }
}

/** Depth of each leaf in a Huffman tree built by the two-queue method (ties broken by order). */
function treeDepths(counts: number[]): number[] {
  const leafCount = counts.length;
  const order = counts.map((_, i) => i).sort((a, b) => (counts[a] as number) - (counts[b] as number) || a - b);
  // Nodes 0..leafCount-1 are leaves, the rest are internal nodes in creation order.
  const weight: number[] = order.map((i) => counts[i] as number);
  const parent: number[] = new Array<number>(2 * leafCount - 1).fill(-1);
  let leafNext = 0;
  let nodeNext = leafCount;
  let created = leafCount;
  const takeSmallest = (): number => {
    if (leafNext < leafCount && (nodeNext >= created || (weight[leafNext] as number) <= (weight[nodeNext] as number))) {
      return leafNext++;
    }
    return nodeNext++;
  };
  while (created < 2 * leafCount - 1) {
    const a = takeSmallest();
    const b = takeSmallest();
    weight[created] = (weight[a] as number) + (weight[b] as number);
    parent[a] = created;
    parent[b] = created;
    created++;
  }
  const depthOfNode = new Array<number>(2 * leafCount - 1).fill(0);
  for (let node = 2 * leafCount - 3; node >= 0; node--)
    depthOfNode[node] = (depthOfNode[parent[node] as number] as number) + 1;
  const depths = new Array<number>(leafCount);
  order.forEach((original, sortedIndex) => {
    depths[original] = depthOfNode[sortedIndex] as number;
  });
  return depths;
}

/** Canonical codes for the lengths, each bit-reversed so an LSB-first writer emits it MSB first. */
export function canonicalCodes(lengths: Uint8Array): Uint16Array {
  const maxLength = Math.max(0, ...lengths);
  const lengthCount = new Array<number>(maxLength + 1).fill(0);
  for (const length of lengths) if (length > 0) lengthCount[length] = (lengthCount[length] as number) + 1;
  const nextCode = new Array<number>(maxLength + 2).fill(0);
  let code = 0;
  for (let length = 1; length <= maxLength; length++) {
    code = (code + (lengthCount[length - 1] ?? 0)) << 1;
    nextCode[length] = code;
  }
  const codes = new Uint16Array(lengths.length);
  lengths.forEach((length, symbol) => {
    if (length === 0) return;
    const value = nextCode[length] as number;
    nextCode[length] = value + 1;
    let reversed = 0;
    for (let bit = 0; bit < length; bit++) reversed |= ((value >>> bit) & 1) << (length - 1 - bit);
    codes[symbol] = reversed;
  });
  return codes;
}
