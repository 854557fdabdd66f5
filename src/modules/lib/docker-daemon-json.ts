/**
 * /etc/docker/daemon.json, merged: the lab sets only `registry-mirrors` and `insecure-registries` and keeps
 * every other key (a teacher's log settings, a student's exercise). A file that is not a JSON object is
 * never overwritten: dockerd refuses to start with it anyway, and its content may matter to someone.
 */
import { isDeepStrictEqual } from 'node:util'
import { LabError } from '../../util/errors.js'

export const DAEMON_JSON = '/etc/docker/daemon.json'

/** The keys the lab manages; an empty list leaves the node's own value alone. */
export interface RegistrySettings {
  'registry-mirrors': string[]
  'insecure-registries': string[]
}

export interface MergedDaemonJson {
  content: string
  /** Our keys whose value the merge changed. */
  changed: Array<keyof RegistrySettings>
}

/** Where one top-level key's value sits in the text of a JSON object. */
interface ValueSpan {
  key: string
  start: number
  end: number
  /** The whitespace before the key on its line ('' when the key does not start a line). */
  indent: string
}

/** End of the JSON string that starts at `i` (at its opening quote). */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++
    else if (text[j] === '"') return j + 1
  }
  return text.length
}

/** End of the JSON value that starts at `i` (before the `,` or `}` that follows it at depth 0, whitespace excluded). */
function skipValue(text: string, i: number): number {
  let depth = 0
  let j = i
  let end = i
  while (j < text.length) {
    const c = text[j]!
    if (c === '"') {
      j = skipString(text, j)
      end = j
      continue
    }
    if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') {
      if (depth === 0) break
      depth--
    } else if (c === ',' && depth === 0) break
    j++
    if (!/\s/.test(c)) end = j
  }
  return end
}

/** The top-level keys of a JSON object text (already known to parse) and the offset of its closing brace. */
function scanObject(text: string): { spans: ValueSpan[]; open: number; close: number } {
  const spans: ValueSpan[] = []
  const open = text.indexOf('{')
  let i = open + 1
  for (;;) {
    while (/[\s,]/.test(text[i] ?? '')) i++
    if (text[i] !== '"') return { spans, open, close: i }
    const keyEnd = skipString(text, i)
    const key = JSON.parse(text.slice(i, keyEnd)) as string
    const lineStart = text.lastIndexOf('\n', i) + 1
    const before = text.slice(lineStart, i)
    i = text.indexOf(':', keyEnd) + 1
    while (/\s/.test(text[i] ?? '')) i++
    const end = skipValue(text, i)
    spans.push({ key, start: i, end, indent: /^[ \t]*$/.test(before) ? before : '' })
    i = end
  }
}

/** `value` as JSON laid out like the file around it: one line for a one-line file, else indented under its key. */
function render(value: unknown, multiline: boolean, indent: string, unit: string): string {
  if (!multiline) return JSON.stringify(value)
  return JSON.stringify(value, null, unit).replace(/\n/g, `\n${indent}`)
}

/**
 * Sets `key` in the object text, touching nothing else: the value is replaced where it stands, or the key is
 * added after the last one, so a hand-written file keeps its layout and the diff shows only the lab's keys.
 */
function setKey(text: string, key: string, value: unknown): string {
  const { spans, open, close } = scanObject(text)
  const multiline = text.trim().includes('\n')
  const unit = /^([ \t]+)"/m.exec(text)?.[1] ?? '  '
  const span = spans.filter((s) => s.key === key).at(-1)
  if (span !== undefined) return text.slice(0, span.start) + render(value, multiline, span.indent, unit) + text.slice(span.end)
  const last = spans.at(-1)
  if (last === undefined) return `${text.slice(0, open + 1)}\n${unit}${JSON.stringify(key)}: ${render(value, true, unit, unit)}\n${text.slice(close)}`
  const entry = multiline ? `,\n${last.indent}${JSON.stringify(key)}: ${render(value, true, last.indent, unit)}` : `, ${JSON.stringify(key)}: ${JSON.stringify(value)}`
  return text.slice(0, last.end) + entry + text.slice(last.end)
}

/** `current` undefined: no file. Returns the current text itself when nothing changes. */
export function mergeDaemonJson(current: string | undefined, wanted: RegistrySettings, node: string): MergedDaemonJson {
  let text = current ?? ''
  let config: Record<string, unknown> = {}
  if (text.trim() !== '') {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (error) {
      throw new LabError(`${node}: ${DAEMON_JSON} is not JSON (${(error as Error).message}); lab merges its registry settings into it and will not overwrite it`, {
        hint: `fix or remove ${DAEMON_JSON} on ${node} (dockerd does not start with it either), then run the docker module again`,
      })
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new LabError(`${node}: ${DAEMON_JSON} holds JSON that is not an object; lab merges its registry settings into it and will not overwrite it`, {
        hint: `make it an object ({ … }) or remove it on ${node}, then run the docker module again`,
      })
    }
    config = parsed as Record<string, unknown>
  } else {
    text = '{}\n'
  }
  const changed: Array<keyof RegistrySettings> = []
  for (const key of ['registry-mirrors', 'insecure-registries'] as const) {
    const list = wanted[key]
    if (list.length === 0 || isDeepStrictEqual(config[key], list)) continue
    text = setKey(text, key, list)
    changed.push(key)
  }
  if (changed.length === 0) return { content: current ?? '', changed }
  return { content: text.endsWith('\n') ? text : `${text}\n`, changed }
}

/** What the daemon's info says of registries (its RegistryConfig), reduced to what the lab checks. */
export interface EffectiveRegistries {
  mirrors: string[]
  /** Registries docker talks to over plain HTTP (IndexConfigs with Secure false, and the CIDRs). */
  insecure: Set<string>
}

/** From the /info document's RegistryConfig; undefined when the text is not such a document. */
export function infoRegistries(infoJson: string): EffectiveRegistries | undefined {
  let value: unknown
  try {
    value = (JSON.parse(infoJson) as { RegistryConfig?: unknown } | null)?.RegistryConfig
  } catch {
    return undefined
  }
  if (value === null || typeof value !== 'object') return undefined
  const rc = value as { Mirrors?: unknown; IndexConfigs?: unknown; InsecureRegistryCIDRs?: unknown }
  const insecure = new Set<string>()
  if (rc.IndexConfigs !== null && typeof rc.IndexConfigs === 'object') {
    for (const [name, cfg] of Object.entries(rc.IndexConfigs as Record<string, { Secure?: boolean }>)) if (cfg?.Secure === false) insecure.add(name)
  }
  if (Array.isArray(rc.InsecureRegistryCIDRs)) for (const c of rc.InsecureRegistryCIDRs) if (typeof c === 'string') insecure.add(c)
  const mirrors = Array.isArray(rc.Mirrors) ? rc.Mirrors.filter((m): m is string => typeof m === 'string') : []
  return { mirrors, insecure }
}

/** dockerd prints mirrors with a trailing slash; the lab file may not. */
const sameUrl = (a: string, b: string): boolean => a.replace(/\/+$/, '') === b.replace(/\/+$/, '')

/** What the running daemon lacks of `wanted` (empty when it runs with the lab's settings). */
export function missingRegistries(effective: EffectiveRegistries, wanted: RegistrySettings): string[] {
  return [
    ...wanted['insecure-registries'].filter((r) => !effective.insecure.has(r)).map((r) => `insecure registry ${r}`),
    ...wanted['registry-mirrors'].filter((m) => !effective.mirrors.some((e) => sameUrl(e, m))).map((m) => `mirror ${m}`),
  ]
}
