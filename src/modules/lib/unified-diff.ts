/** A unified diff of two texts, as `diff -u` prints it, for the plan and `--check`. */

type Op = { kind: ' ' | '-' | '+'; text: string }

/** Beyond this many cells the middle is shown as replaced wholesale rather than compared line by line. */
const MAX_TABLE = 4_000_000
const NO_NEWLINE = '\n\\ No newline at end of file'

/** '' when the texts are equal. `from`/`to` name the two sides (`/dev/null` for a file that does not exist). */
export function unifiedDiff(before: string, after: string, names: { from: string; to: string }, context = 3): string {
  if (before === after) return ''
  const ops = compare(lines(before), lines(after))
  const out = [`--- ${names.from}`, `+++ ${names.to}`]
  let oldLine = 1
  let newLine = 1
  const at: Array<{ old: number; new: number }> = ops.map((op) => {
    const here = { old: oldLine, new: newLine }
    if (op.kind !== '+') oldLine++
    if (op.kind !== '-') newLine++
    return here
  })
  let i = 0
  while (i < ops.length) {
    if (ops[i]!.kind === ' ') {
      i++
      continue
    }
    const start = Math.max(0, i - context)
    let end = i
    // Extend the hunk while the next change is close enough that the contexts would touch.
    for (let j = i; j < ops.length && j - end <= 2 * context + 1; j++) if (ops[j]!.kind !== ' ') end = j
    const stop = Math.min(ops.length, end + context + 1)
    const hunk = ops.slice(start, stop)
    const oldCount = hunk.filter((op) => op.kind !== '+').length
    const newCount = hunk.filter((op) => op.kind !== '-').length
    // An empty side is numbered by the line before it, as diff does (`-0,0` for a new file).
    const oldStart = oldCount === 0 ? at[start]!.old - 1 : at[start]!.old
    const newStart = newCount === 0 ? at[start]!.new - 1 : at[start]!.new
    out.push(`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`)
    for (const op of hunk) out.push(`${op.kind}${op.text}`)
    i = stop
  }
  return `${out.join('\n')}\n`
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`
}

/** Lines without their newline; a last line lacking one carries diff's marker, so it differs from the same line with one. */
function lines(text: string): string[] {
  if (text === '') return []
  const all = text.split('\n')
  if (all[all.length - 1] === '') all.pop()
  else all[all.length - 1] += NO_NEWLINE
  return all
}

/** Common head and tail kept as context; the middle by longest common subsequence. */
function compare(a: string[], b: string[]): Op[] {
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head++
  let tail = 0
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++
  const midA = a.slice(head, a.length - tail)
  const midB = b.slice(head, b.length - tail)
  const same = (text: string): Op => ({ kind: ' ', text })
  return [...a.slice(0, head).map(same), ...middle(midA, midB), ...a.slice(a.length - tail).map(same)]
}

function middle(a: string[], b: string[]): Op[] {
  if ((a.length + 1) * (b.length + 1) > MAX_TABLE) {
    return [...a.map((text): Op => ({ kind: '-', text })), ...b.map((text): Op => ({ kind: '+', text }))]
  }
  const w = b.length + 1
  // lcs[i*w+j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs = new Uint32Array((a.length + 1) * w)
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!)
    }
  }
  const ops: Op[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: ' ', text: a[i++]! })
      j++
    } else if (i < a.length && (j === b.length || lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) {
      // Removals before additions, as diff prints them.
      ops.push({ kind: '-', text: a[i++]! })
    } else {
      ops.push({ kind: '+', text: b[j++]! })
    }
  }
  return ops
}
