/**
 * The `--machinereadable` format of showvminfo and `snapshot list`: one `key=value` per line, values
 * quoted unless numeric, `"` and `\` escaped with `\` inside quotes, keys quoted when they hold
 * special characters (`"SATA-0-0"="…"`). Keys repeat (`Forwarding(0)` once per NIC), so entries stay a
 * list in output order. Lines that are not `key=value` (warnings, whatever a future release adds) are
 * skipped; a quoted value may run over a line end (a multi-line description).
 */
export interface Entry {
  key: string
  value: string
}

/** Reads a quoted string starting after its opening quote; returns the text and the index after the closing quote. */
function readQuoted(text: string, start: number): [string, number] {
  let out = ''
  let i = start
  while (i < text.length) {
    const c = text[i]!
    if (c === '\\' && i + 1 < text.length) {
      out += text[i + 1]
      i += 2
    } else if (c === '"') {
      return [out, i + 1]
    } else {
      out += c
      i++
    }
  }
  return [out, i]
}

export function parseMachineReadable(output: string): Entry[] {
  const text = output.replace(/\r\n/g, '\n')
  const entries: Entry[] = []
  let i = 0
  while (i < text.length) {
    const lineEnd = text.indexOf('\n', i) === -1 ? text.length : text.indexOf('\n', i)
    let key: string
    let j: number
    if (text[i] === '"') {
      ;[key, j] = readQuoted(text, i + 1)
      if (text[j] !== '=') {
        i = lineEnd + 1
        continue
      }
    } else {
      const eq = text.indexOf('=', i)
      // Keys may hold spaces (7.x prints `BIOS NVRAM File="…"`), never lead with one.
      if (eq === -1 || eq > lineEnd || eq === i || /\s/.test(text[i]!)) {
        i = lineEnd + 1
        continue
      }
      key = text.slice(i, eq)
      j = eq
    }
    j++ // past '='
    let value: string
    if (text[j] === '"') {
      ;[value, j] = readQuoted(text, j + 1)
      const next = text.indexOf('\n', j)
      i = next === -1 ? text.length : next + 1
    } else {
      value = text.slice(j, lineEnd).trim()
      i = lineEnd + 1
    }
    entries.push({ key, value })
  }
  return entries
}

/** The first value of a key. */
export function firstValue(entries: readonly Entry[], key: string): string | undefined {
  return entries.find((e) => e.key === key)?.value
}
