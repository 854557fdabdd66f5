/**
 * Per-student values: each student's are drawn from the course's `variables:` by a digest of the student id,
 * so the same student always gets the same ones, and an answer copied from another student fails the check.
 * `{{ name }}` in an exercise's strings is replaced by the value; a string that is only `{{ name }}` takes the
 * value with its type, so a number stays a number where the schema wants one.
 */
import { createHash } from 'node:crypto'
import type { VariableSpec } from './exercise-schema.js'
import type { Path } from './locate.js'

export type Value = string | number
export type Values = Record<string, Value>

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g
const WHOLE = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/

function pick(spec: VariableSpec, n: bigint): Value {
  if ('choices' in spec) return spec.choices[Number(n % BigInt(spec.choices.length))]!
  const [lo, hi] = spec.range
  return lo + Number(n % BigInt(hi - lo + 1))
}

/** The values of one student (an empty id: the course's first choices and lowest numbers, as written). */
export function studentValues(variables: Record<string, VariableSpec>, student: string): Values {
  const out: Values = {}
  for (const [name, spec] of Object.entries(variables)) {
    if (student === '') out[name] = 'choices' in spec ? spec.choices[0]! : spec.range[0]
    else out[name] = pick(spec, BigInt(`0x${createHash('sha256').update(`${student}\0${name}`).digest('hex').slice(0, 15)}`))
  }
  return out
}

/**
 * The value sets `validate` tries: every choice and both ends of every range appear in one of them, so a
 * value that breaks an option's rule is found whoever the student is.
 */
export function cornerValues(variables: Record<string, VariableSpec>): Values[] {
  const sizes = Object.values(variables).map((s) => ('choices' in s ? s.choices.length : 2))
  const n = Math.max(1, ...sizes)
  return Array.from({ length: n }, (_, i) => {
    const v: Values = {}
    for (const [name, spec] of Object.entries(variables)) v[name] = 'choices' in spec ? spec.choices[i % spec.choices.length]! : spec.range[i % 2]!
    return v
  })
}

/** `data` with every placeholder replaced; names no variable has are reported with where they are. */
export function substitute(data: unknown, values: Values, path: Path = [], unknown: Array<{ path: Path; name: string }> = []): unknown {
  if (typeof data === 'string') {
    const whole = WHOLE.exec(data)
    if (whole) {
      if (whole[1]! in values) return values[whole[1]!]
      unknown.push({ path, name: whole[1]! })
      return data
    }
    return data.replace(PLACEHOLDER, (all, name: string) => {
      if (name in values) return String(values[name])
      unknown.push({ path, name })
      return all
    })
  }
  if (Array.isArray(data)) return data.map((v, i) => substitute(v, values, [...path, i], unknown))
  if (data && typeof data === 'object') return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, substitute(v, values, [...path, k], unknown)]))
  return data
}
