// "did you mean …?": the nearest candidate by edit distance, if it is close enough to be a typo.

/** Edit distance counting a swap of two neighbours as one edit (`dupm` → `dump`); stops early past `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest candidate, if it is a plausible typo: 1 edit for short words, 2 up to 6 letters, else 3. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const max = word.length <= 3 ? 1 : word.length <= 6 ? 2 : 3;
  let best: string | undefined;
  let bestDist = max + 1;
  const lower = word.toLowerCase();
  for (const cand of candidates) {
    if (cand === word) continue;
    const d = editDistance(lower, cand.toLowerCase(), bestDist);
    if (d < bestDist) {
      best = cand;
      bestDist = d;
    }
  }
  return best;
}

/** " — did you mean `x`?" or "" */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const n = nearest(word, candidates);
  return n === undefined ? "" : ` — did you mean \`${n}\`?`;
}

/** "a, b or c" with backticks */
export function listWords(words: readonly string[]): string {
  const q = words.map((w) => `\`${w}\``);
  return q.length <= 1 ? (q[0] ?? "") : `${q.slice(0, -1).join(", ")} or ${q[q.length - 1]}`;
}
