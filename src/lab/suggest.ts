/** "Did you mean" for misspelt keys and names. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = up
    }
  }
  return prev[b.length]!
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestScore = Infinity
  const w = word.toLowerCase()
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase())
    if (d < bestScore) {
      best = c
      bestScore = d
    }
  }
  // Beyond a third of the word's length the suggestion is noise.
  return best !== undefined && bestScore <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined
}

export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates)
  return c ? `did you mean '${c}'?` : `expected one of: ${candidates.join(', ')}`
}
