/**
 * YAML aliases (`*name`): the parser accepts any, and only turning the document into data finds an alias
 * without its anchor or one that multiplies the document (billion laughs). Both are the lab file's
 * mistakes, so they are reported at the alias rather than thrown from deep inside the YAML library.
 */
import { visit, isAlias, isCollection, type Alias, type Document, type LineCounter, type Node } from 'yaml'
import type { Problem } from './problems.js'
import { excerpt } from './excerpt.js'

/** How often an anchor's content may be repeated through aliases (the YAML library's own guard). */
export const MAX_ALIAS_COUNT = 100

function aliasesOf(doc: Document): Alias[] {
  const out: Alias[] = []
  visit(doc, { Alias: (_key, node) => void out.push(node) })
  return out
}

function at(lc: LineCounter, node: Node | undefined): { line: number; col: number } {
  const p = lc.linePos(node?.range?.[0] ?? 0)
  return { line: p.line, col: p.col }
}

/** Aliases that name no anchor before them. */
export function unresolvedAliases(doc: Document, lc: LineCounter): Problem[] {
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
export function toDataOrProblem(doc: Document, lc: LineCounter): { data: unknown } | { problem: Problem } {
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
