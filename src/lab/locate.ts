/** Maps a path inside the parsed YAML (['nodes', 1, 'memory']) back to a line and column of the file. */
import { excerpt } from './excerpt.js'
import { isMap, isSeq, isScalar, isPair, type Document, type Node } from 'yaml'

export type Path = ReadonlyArray<string | number>

export interface Position {
  line: number
  col: number
}

export interface Lines {
  linePos(offset: number): Position
}

/**
 * Line and column of an offset, from the text itself. The YAML library's LineCounter learns line starts from
 * its lexer, which skips some while it recovers from a syntax error: its positions then point past the end
 * of a line (seen with `--- !!map` before a mapping whose lines were swapped).
 */
export function lineIndex(text: string): Lines {
  const starts = [0]
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
  return {
    linePos(offset: number): Position {
      const at = Math.max(0, Math.min(offset, text.length))
      let lo = 0
      let hi = starts.length - 1
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1
        if (starts[mid]! <= at) lo = mid
        else hi = mid - 1
      }
      return { line: lo + 1, col: at - starts[lo]! + 1 }
    },
  }
}

function keyName(key: unknown): unknown {
  return isScalar(key) ? key.value : key
}

/** Finds the YAML node for `path`; `as: 'key'` points at a map key rather than its value. */
export function locate(doc: Document, lc: Lines, path: Path, as: 'value' | 'key' = 'value'): Position {
  let node: unknown = doc.contents
  let last: Node | undefined = doc.contents ?? undefined
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && String(keyName(p.key)) === String(seg))
      if (!pair) break
      const isLast = i === path.length - 1
      if (isLast && as === 'key' && pair.key && (pair.key as Node).range) {
        last = pair.key as Node
        break
      }
      node = pair.value
      if (node && (node as Node).range) last = node as Node
      else if (pair.key && (pair.key as Node).range) last = pair.key as Node
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg]
      if (node && (node as Node).range) last = node as Node
    } else break
  }
  const offset = last?.range?.[0] ?? 0
  const p = lc.linePos(offset)
  return { line: p.line, col: p.col }
}

export function formatPath(path: Path): string {
  let out = ''
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${excerpt(seg)}` : excerpt(seg)
  return out
}
