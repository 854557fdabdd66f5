/**
 * VMware's `.vmx` dictionary format: `key = "value"` lines, keys case-insensitive, `#` comments. VMware
 * rewrites these files itself (uuid, generated MACs, nvram name…), so an edit must keep every line it does not
 * touch, in order and byte for byte, and append new keys at the end the way VMware does.
 *
 * Inside quotes VMware escapes a character as `|` and two hex digits: `"` is `|22`, `|` is `|7C`. Backslashes
 * are literal (Windows paths are written as they are).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'

type Pair = { key: string; value: string; raw?: string }
type Line = Pair | { raw: string }

const PAIR = /^\s*([^\s=#"]+)\s*=\s*(?:"([^"]*)"|([^\s"#]*))\s*(#.*)?$/

export function decodeVmxValue(text: string): string {
  return text.replace(/\|([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}

export function encodeVmxValue(value: string): string {
  return value.replace(/[|"\x00-\x1f]/g, (c) => `|${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
}

export class Vmx {
  private lines: Line[]
  /** CRLF when the file came with it (Windows), so that a rewrite does not change every line. */
  readonly eol: string

  private constructor(lines: Line[], eol: string) {
    this.lines = lines
    this.eol = eol
  }

  static parse(text: string): Vmx {
    const eol = text.includes('\r\n') ? '\r\n' : '\n'
    const body = text.replace(/^\uFEFF/, '').split(/\r?\n/)
    while (body.length > 0 && body[body.length - 1] === '') body.pop()
    const lines = body.map((raw): Line => {
      const m = PAIR.exec(raw)
      if (!m) return { raw }
      return { key: m[1]!, value: m[2] === undefined ? (m[3] ?? '') : decodeVmxValue(m[2]), raw }
    })
    return new Vmx(lines, eol)
  }

  private find(key: string): Pair | undefined {
    const k = key.toLowerCase()
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const line = this.lines[i]!
      if ('key' in line && line.key.toLowerCase() === k) return line
    }
    return undefined
  }

  /** The value of a key (the last one wins, as in VMware), undefined when absent. */
  get(key: string): string | undefined {
    return this.find(key)?.value
  }

  has(key: string): boolean {
    return this.find(key) !== undefined
  }

  /** Changes a key where it stands (dropping duplicates), or appends it. */
  set(key: string, value: string): this {
    const k = key.toLowerCase()
    const line = this.find(key)
    if (!line) {
      this.lines.push({ key, value })
      return this
    }
    this.lines = this.lines.filter((l) => l === line || !('key' in l) || l.key.toLowerCase() !== k)
    line.value = value
    delete line.raw
    return this
  }

  delete(key: string): this {
    const k = key.toLowerCase()
    this.lines = this.lines.filter((l) => !('key' in l) || l.key.toLowerCase() !== k)
    return this
  }

  /** Removes every key of one device or group, e.g. `sata0:1` removes `sata0:1.present`, `sata0:1.fileName`… */
  deletePrefix(prefix: string): this {
    const p = `${prefix.toLowerCase()}.`
    this.lines = this.lines.filter((l) => !('key' in l) || !l.key.toLowerCase().startsWith(p))
    return this
  }

  /** Keys in file order (each once, as first spelled). */
  keys(): string[] {
    const seen = new Map<string, string>()
    for (const l of this.lines) if ('key' in l && !seen.has(l.key.toLowerCase())) seen.set(l.key.toLowerCase(), l.key)
    return [...seen.values()]
  }

  toString(): string {
    const text = this.lines.map((l) => ('key' in l ? (l.raw ?? `${l.key} = "${encodeVmxValue(l.value)}"`) : l.raw))
    return text.join(this.eol) + this.eol
  }
}

export function readVmx(path: string): Vmx {
  return Vmx.parse(readFileSync(path, 'utf8'))
}

/**
 * Is this .vmx text cut short: empty, or ending inside a line that is no pair or comment? What a vmrun killed
 * while it wrote a clone's configuration leaves, and VMware refuses to open ("Cannot read the virtual machine
 * configuration file"). Only the end is judged: a hand-edited line VMware accepts elsewhere must not make a
 * VM look half-made.
 */
export function cutShort(text: string): boolean {
  if (text.length === 0) return true
  if (text.endsWith('\n')) return false
  const last = text.slice(text.lastIndexOf('\n') + 1)
  return !PAIR.test(last) && !/^\s*#/.test(last)
}

/** Writes through a temporary file and a rename: VMware must never read half a configuration. */
export function writeVmx(path: string, vmx: Vmx): void {
  const tmp = `${path}.vmlab-tmp`
  writeFileSync(tmp, vmx.toString(), 'utf8')
  renameSync(tmp, path)
}
