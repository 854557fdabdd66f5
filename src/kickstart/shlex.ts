/**
 * Splits a kickstart command line the way pykickstart does (Python's `shlex.split(line,
 * comments=True)` in POSIX mode): whitespace separates words, '…' and "…" quote, a backslash
 * escapes, and an unquoted `#` ends the line even in the middle of a word.
 */

export interface SplitLine {
  words: string[]
  /** Set when an unquoted `#` cut a word short (`pass#word` became `pass`). */
  cutAt?: { word: string; rest: string }
  /** Why Python's shlex would raise on this line. */
  error?: string
}

const WHITESPACE = new Set([' ', '\t', '\r', '\n'])

export function splitKickstartLine(line: string): SplitLine {
  const words: string[] = []
  let word = ''
  let inWord = false
  let i = 0
  while (i < line.length) {
    const c = line[i] as string
    if (WHITESPACE.has(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
      i++
    } else if (c === '#') {
      if (inWord) {
        words.push(word)
        return { words, cutAt: { word, rest: line.slice(i) } }
      }
      return { words }
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1)
      if (end < 0) return { words, error: 'No closing quotation' }
      word += line.slice(i + 1, end)
      inWord = true
      i = end + 1
    } else if (c === '"') {
      i++
      let closed = false
      while (i < line.length) {
        const d = line[i] as string
        if (d === '"') {
          closed = true
          i++
          break
        }
        if (d === '\\' && i + 1 < line.length) {
          const next = line[i + 1] as string
          // inside double quotes a backslash only escapes a quote or another backslash
          word += next === '"' || next === '\\' ? next : d + next
          i += 2
          continue
        }
        word += d
        i++
      }
      if (!closed) return { words, error: 'No closing quotation' }
      inWord = true
    } else if (c === '\\') {
      if (i + 1 >= line.length) return { words, error: 'No escaped character' }
      word += line[i + 1]
      inWord = true
      i += 2
    } else {
      word += c
      inWord = true
      i++
    }
  }
  if (inWord) words.push(word)
  return { words }
}
