/** Reading docker's JSON output (`--format '{{json …}}'`, `inspect`) with errors that show what came back. */
import type { z } from 'zod'
import { LabError } from '../../util/errors.js'

function excerpt(text: string): string {
  const t = text.trim()
  return t.length > 300 ? `${t.slice(0, 300)}…` : t
}

/** One JSON document, checked against `schema`. */
export function parseDockerJson<S extends z.ZodType>(schema: S, text: string, what: string, node: string): z.output<S> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new LabError(`${node}: ${what} did not print JSON: ${excerpt(text) || '(nothing)'}`)
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new LabError(`${node}: ${what} printed JSON of an unexpected shape (${parsed.error.issues[0]?.message ?? 'invalid'}): ${excerpt(text)}`)
  return parsed.data
}

/** One JSON document per line (`--format '{{json .}}'` on a list command); blank lines are skipped. */
export function parseDockerJsonLines<S extends z.ZodType>(schema: S, text: string, what: string, node: string): Array<z.output<S>> {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => parseDockerJson(schema, line, what, node))
}
