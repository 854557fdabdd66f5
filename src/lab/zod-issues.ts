/** Turns zod issues into problems a teacher can act on: what is wrong, and how to fix it. */
import type { z } from 'zod'
import { closest } from './suggest.js'
import { excerpt } from './excerpt.js'
import type { Path } from './locate.js'
import type { Problem } from './problems.js'

type Issue = z.core.$ZodIssue

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  if (typeof v === 'string') return `the text "${excerpt(v)}"`
  return `${typeof v} ${String(v)}`
}

function valueAt(root: unknown, path: Path): unknown {
  let v: unknown = root
  for (const seg of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[seg] : undefined
  return v
}

/** Keys a mapping at this path may hold, read from the schema, for "did you mean". */
function allowedKeys(schema: z.ZodType, path: Path): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: walks zod's internal _zod.def, which zod does not type for this use
  let s: any = schema
  const unwrap = () => {
    for (let i = 0; i < 10 && s; i++) {
      const def = s._zod?.def
      if (!def) return
      if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') s = def.innerType
      else if (def.type === 'pipe') s = def.in
      else return
    }
  }
  unwrap()
  // A union (a text or {en, zh}): the object shapes among its options.
  const objects = (): Array<Record<string, unknown>> => {
    const def = s?._zod?.def
    if (def?.type === 'object') return [def.shape]
    if (def?.type !== 'union') return []
    type Def = { type?: string; shape?: Record<string, unknown> } | undefined
    const defs = (def.options as Array<{ _zod?: { def?: Def } }>).map((o) => o?._zod?.def)
    return defs.filter((d): d is { type: 'object'; shape: Record<string, unknown> } => d?.type === 'object' && d.shape !== undefined).map((d) => d.shape)
  }
  for (const seg of path) {
    const def = s?._zod?.def
    if (!def) return []
    if (def.type === 'union') {
      s = objects().find((shape) => String(seg) in shape)?.[seg]
      unwrap()
      continue
    }
    if (def.type === 'object') s = def.shape[seg]
    else if (def.type === 'array') s = def.element
    else return []
    unwrap()
  }
  return [...new Set(objects().flatMap((shape) => Object.keys(shape)))]
}

export function issuesToProblems(issues: readonly Issue[], schema: z.ZodType, input: unknown, prefix: Path = []): Problem[] {
  const out: Problem[] = []
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as Array<string | number>)]
    const found = valueAt(input, issue.path as Path)
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = allowedKeys(schema, issue.path as Path)
        for (const key of issue.keys) {
          const guess = closest(key, allowed)
          out.push({
            path: [...path, key],
            at: 'key',
            message: `unknown key '${excerpt(key)}'`,
            hint: guess ? `did you mean '${guess}'?` : `allowed keys here: ${allowed.join(', ')}`,
          })
        }
        break
      }
      case 'invalid_type':
        if (found === undefined) {
          out.push({ path, message: `'${String(path.at(-1))}' is required`, hint: `add ${String(path.at(-1))}: <${issue.expected}>` })
        } else {
          out.push({ path, message: `expected ${article(issue.expected)}, found ${describe(found)}`, hint: hintFor(issue.expected) })
        }
        break
      case 'invalid_value': {
        const values = issue.values.map(String)
        const guess = typeof found === 'string' ? closest(found, values) : undefined
        out.push({
          path,
          message: `unknown value ${typeof found === 'string' ? `"${excerpt(found)}"` : describe(found)}`,
          hint: guess ? `did you mean '${guess}'? (one of: ${values.join(', ')})` : `use one of: ${values.join(', ')}`,
        })
        break
      }
      case 'too_small':
      case 'too_big': {
        const limit = String(issue.code === 'too_small' ? issue.minimum : issue.maximum)
        const what = issue.origin === 'array' ? 'entries' : issue.origin === 'string' ? 'characters' : ''
        const custom = !/^Too (small|big)/.test(issue.message)
        out.push({
          path,
          message: custom ? issue.message : `${describe(found)} is too ${issue.code === 'too_small' ? 'small' : 'big'}`,
          hint: `use ${issue.code === 'too_small' ? 'at least' : 'at most'} ${limit}${what ? ' ' + what : ''}`,
        })
        break
      }
      case 'invalid_union':
        out.push({ path, message: `${describe(found)} is not allowed here`, hint: unionHint(issue) })
        break
      default:
        // Our schema attaches its own how-to-fix text (regex formats, refinements).
        out.push({ path, message: `${describe(found)} is not valid`, hint: issue.message })
    }
  }
  return out
}

function article(t: string): string {
  const name = t === 'object' ? 'mapping' : t === 'array' ? 'list' : t
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`
}

function hintFor(expected: string): string {
  switch (expected) {
    case 'number':
      return 'write a plain number without units or quotes'
    case 'string':
      return 'write text (quote it if it contains : or #)'
    case 'array':
      return 'write a list: one "- item" per line, or [a, b]'
    case 'object':
      return 'write a mapping of key: value lines, indented under this key'
    case 'boolean':
      return 'write true or false'
    default:
      return `write ${article(expected)}`
  }
}

function unionHint(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  const msgs = new Set<string>()
  for (const branch of issue.errors ?? []) for (const e of branch) if (e.code !== 'invalid_type') msgs.add(e.message)
  return msgs.size ? [...msgs].join('; or ') : 'see the lab-file reference in the README for the accepted forms'
}
