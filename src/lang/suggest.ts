// "did you mean …?": the nearest candidate by edit distance, if it is close enough to be a typo.

export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      rowMin = Math.min(rowMin, cur[j]!);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest candidate within a third of the word's length (at least 1, at most 3 edits). */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const max = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
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
