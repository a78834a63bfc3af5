/** Levenshtein distance, case-insensitive: how far a mistyped layer name is from a real one. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[t.length];
}

/** Length of the longest common substring, case-insensitive. */
export function commonSubstringLength(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let best = 0;
  let previous = new Array<number>(t.length + 1).fill(0);
  for (let i = 1; i <= s.length; i++) {
    const row = new Array<number>(t.length + 1).fill(0);
    for (let j = 1; j <= t.length; j++) {
      if (s[i - 1] === t[j - 1]) {
        row[j] = previous[j - 1] + 1;
        if (row[j] > best) best = row[j];
      }
    }
    previous = row;
  }
  return best;
}

/**
 * The candidate closest to `name`, or null when there are none: the longest shared run of characters first (a
 * mistyped name usually keeps most of one part, like 'conv1' of 'block1_conv1'), then the smallest edit distance.
 */
export function nearestName(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestShared = -1;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const shared = commonSubstringLength(name, c);
    const distance = editDistance(name, c);
    if (shared > bestShared || (shared === bestShared && distance < bestDistance)) {
      best = c;
      bestShared = shared;
      bestDistance = distance;
    }
  }
  return best;
}
