// VMware's "dictionary" text format shared by .vmx and .vmsd files: `key = "value"` lines,
// keys case-insensitive, '#' comments. VMware rewrites these files in place, keeping the order
// of existing lines and appending new keys, so this model does the same.

const PAIR = /^\s*([^\s="#]+)\s*=\s*(?:"([^"]*)"|([^\s"#]*))\s*$/

export class DictionarySyntaxError extends Error {
  constructor(lineNo, line) {
    super(`line ${lineNo}: syntax error: ${line.trim()}`)
    this.lineNo = lineNo
  }
}

export class Dictionary {
  constructor(lines = []) {
    /** @type {Array<{key?: string, value?: string, raw?: string}>} */
    this.lines = lines
  }

  static parse(text) {
    const lines = []
    text.split(/\r?\n/).forEach((line, index) => {
      if (line.trim() === '' || line.trimStart().startsWith('#')) {
        lines.push({ raw: line })
        return
      }
      const m = PAIR.exec(line)
      if (!m) throw new DictionarySyntaxError(index + 1, line)
      lines.push({ key: m[1], value: m[2] ?? m[3] ?? '' })
    })
    while (lines.length > 0 && lines[lines.length - 1].raw === '') lines.pop()
    return new Dictionary(lines)
  }

  #find(key) {
    const k = key.toLowerCase()
    for (let i = this.lines.length - 1; i >= 0; i--) {
      if (this.lines[i].key?.toLowerCase() === k) return this.lines[i]
    }
    return undefined
  }

  get(key) {
    return this.#find(key)?.value
  }

  has(key) {
    return this.#find(key) !== undefined
  }

  set(key, value) {
    const line = this.#find(key)
    if (line) line.value = String(value)
    else this.lines.push({ key, value: String(value) })
  }

  delete(key) {
    const k = key.toLowerCase()
    this.lines = this.lines.filter((l) => l.key?.toLowerCase() !== k)
  }

  /** Keys matching `re`, in file order, with their last value. */
  entries(re = /./) {
    const seen = new Map()
    for (const l of this.lines) {
      if (l.key !== undefined && re.test(l.key)) seen.set(l.key.toLowerCase(), [l.key, l.value])
    }
    return [...seen.values()]
  }

  clone() {
    return new Dictionary(this.lines.map((l) => ({ ...l })))
  }

  toString() {
    return this.lines.map((l) => (l.key === undefined ? l.raw : `${l.key} = "${l.value}"`)).join('\n') + '\n'
  }
}
