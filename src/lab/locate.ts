/** Maps a path inside the parsed YAML (['nodes', 1, 'memory']) back to a line and column of the file. */
import { excerpt } from './excerpt.js'
import { isMap, isSeq, isScalar, isPair, type Document, type LineCounter, type Node } from 'yaml'

export type Path = ReadonlyArray<string | number>

export interface Position {
  line: number
  col: number
}

function keyName(key: unknown): unknown {
  return isScalar(key) ? key.value : key
}

/** Finds the YAML node for `path`; `as: 'key'` points at a map key rather than its value. */
export function locate(doc: Document, lc: LineCounter, path: Path, as: 'value' | 'key' = 'value'): Position {
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
