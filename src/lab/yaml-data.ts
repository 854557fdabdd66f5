/**
 * From a parsed YAML document to data. The parser accepts what only the conversion trips over: an alias
 * (`*name`) without its anchor, aliases that multiply the document (billion laughs), a mapping or list used
 * as a key (which JavaScript objects cannot hold: the library would stringify it with a warning on stderr).
 * They are the lab file's mistakes, reported at their position rather than thrown from inside the library.
 */
import { visit, isCollection, isPair, type Alias, type Document, type Node } from 'yaml'
import type { Lines } from './locate.js'
import type { Problem } from './problems.js'
import { excerpt } from './excerpt.js'

/** How often an anchor's content may be repeated through aliases (the YAML library's own guard). */
export const MAX_ALIAS_COUNT = 100

function aliasesOf(doc: Document): Alias[] {
  const out: Alias[] = []
  visit(doc, { Alias: (_key, node) => void out.push(node) })
  return out
}

function at(lc: Lines, node: Node | undefined): { line: number; col: number } {
  const p = lc.linePos(node?.range?.[0] ?? 0)
  return { line: p.line, col: p.col }
}

/** Keys that are a mapping or a list (`? [a, b]: x`, `{ a: 1 }: x`). */
export function collectionKeys(doc: Document, lc: Lines): Problem[] {
  const out: Problem[] = []
  visit(doc, {
    Pair: (_key, pair) => {
      if (isPair(pair) && isCollection(pair.key)) {
        out.push({ path: [], message: 'YAML: a mapping or a list is used as a key', hint: 'a key is a plain word, like name: or memory:', ...at(lc, pair.key as Node) })
      }
    },
  })
  return out
}

/** Aliases that name no anchor before them. */
export function unresolvedAliases(doc: Document, lc: Lines): Problem[] {
  return aliasesOf(doc)
    .filter((a) => a.resolve(doc) === undefined)
    .map((a) => ({
      path: [],
      message: `YAML: the alias *${excerpt(a.source)} has no anchor &${excerpt(a.source)} before it`,
      hint: `define &${excerpt(a.source)} on a value above this line, or write the value out instead of the alias`,
      ...at(lc, a),
    }))
}

/**
 * The document's data; an alias bomb (aliases of anchors that hold aliases, repeated until the data is huge)
 * becomes a problem at the first alias that repeats aliased content.
 */
export function toDataOrProblem(doc: Document, lc: Lines): { data: unknown } | { problem: Problem } {
  try {
    return { data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown }
  } catch (err) {
    if (!(err instanceof ReferenceError) || !/alias/i.test(err.message)) throw err
    const aliases = aliasesOf(doc)
    const nested = aliases.find((a) => {
      const target = a.resolve(doc)
      return isCollection(target) && aliases.some((b) => b !== a && within(b, target))
    })
    return {
      problem: {
        path: [],
        message: `YAML: aliases repeat content more than ${MAX_ALIAS_COUNT} times (nested aliases multiply it)`,
        hint: 'a lab file needs no alias of an alias: write the values out, or use fewer aliases',
        ...at(lc, nested ?? aliases[0]),
      },
    }
  }
}

function within(inner: Node, outer: Node): boolean {
  const start = inner.range?.[0]
  const r = outer.range
  return start !== undefined && r !== undefined && r !== null && start >= r[0] && start < r[1]
}
