/** Module and check entries: `- chrony: { server: master }` or a bare `- hosts`. */
import type { z } from 'zod'
import { didYouMean } from './suggest.js'
import { excerpt } from './excerpt.js'
import { issuesToProblems } from './zod-issues.js'
import type { OptionSpec } from './module-options.js'
import type { Problem } from './problems.js'

export interface Entry {
  name: string
  options: unknown
  index: number
  /** Where the entry is in the lab file: ['modules', 2], or ['exercises', 0, 'checks', 1]. */
  path: Array<string | number>
}

export function parseEntries(list: unknown[], specs: Record<string, OptionSpec>, section: 'modules' | 'checks', problems: Problem[], base: Array<string | number> = [section]): Entry[] {
  const names = Object.keys(specs)
  const what = section === 'modules' ? 'module' : 'check'
  const entries: Entry[] = []
  list.forEach((raw, index) => {
    const path = [...base, index]
    let name: string
    let given: unknown
    if (typeof raw === 'string') {
      name = raw
      given = {}
    } else if (raw && typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 1) {
      name = Object.keys(raw)[0]!
      given = (raw as Record<string, unknown>)[name] ?? {}
    } else {
      problems.push({
        path,
        message: `each ${what} entry is one ${what} name with its options`,
        hint: section === 'modules' ? 'write "- chrony: { server: master }" or "- hosts"' : 'write "- swarm: { ready: 3 }"',
      })
      return
    }
    const spec = specs[name]
    if (!spec) {
      problems.push({ path: typeof raw === 'string' ? path : [...path, name], at: 'key', message: `unknown ${what} '${excerpt(name)}'`, hint: didYouMean(name, names) })
      return
    }
    const parsed = (spec.schema as z.ZodType).safeParse(given)
    if (!parsed.success) {
      problems.push(...issuesToProblems(parsed.error.issues, spec.schema, given, typeof raw === 'string' ? path : [...path, name]))
      return
    }
    entries.push({ name, options: parsed.data, index, path })
  })
  return entries
}

/**
 * Values at `refs` paths (`*` = each array element; a final `~` = each key of an object, for maps keyed by
 * node name), with their path, for node-name checks.
 */
export function collectRefs(options: unknown, refs: string[]): Array<{ path: Array<string | number>; value: string }> {
  const out: Array<{ path: Array<string | number>; value: string }> = []
  const walk = (v: unknown, segs: string[], at: Array<string | number>) => {
    if (segs.length === 0) {
      if (typeof v === 'string') out.push({ path: at, value: v })
      return
    }
    const [seg, ...rest] = segs
    if (seg === '~') {
      if (v && typeof v === 'object' && !Array.isArray(v)) for (const key of Object.keys(v)) out.push({ path: [...at, key], value: key })
    } else if (seg === '*') {
      if (Array.isArray(v)) for (const [i, item] of v.entries()) walk(item, rest, [...at, i])
    } else if (v && typeof v === 'object' && !Array.isArray(v)) {
      walk((v as Record<string, unknown>)[seg!], rest, [...at, seg!])
    }
  }
  for (const ref of refs) walk(options, ref.split('.'), [])
  return out
}
