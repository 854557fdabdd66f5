/** JSON that a file held, or what is wrong with it in words that point at the place (and say when it was cut off). */
export type JsonText = { ok: true; value: unknown } | { ok: false; problem: string }

export function parseJsonText(text: string): JsonText {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (err) {
    const message = (err as Error).message
    if (!text.trim()) return { ok: false, problem: 'it is empty' }
    const at = /at position (\d+)/.exec(message)
    const pos = at ? Number(at[1]) : /Unexpected end of JSON input/.test(message) ? text.length : undefined
    if (pos === undefined) return { ok: false, problem: `it is not valid JSON (${message})` }
    const bytes = Buffer.byteLength(text.slice(0, pos))
    if (pos >= text.trimEnd().length) return { ok: false, problem: `it ends early, at byte ${bytes}: it was cut off while it was written (a full disk, or a crash)` }
    const before = text.slice(0, pos).split('\n')
    return { ok: false, problem: `it is not valid JSON at line ${before.length}, column ${before.at(-1)!.length + 1} (byte ${bytes})` }
  }
}
