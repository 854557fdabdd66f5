/**
 * JSON with every object's keys sorted and no white space: the same value always gives the same text, so a
 * digest over it does not depend on the order a writer (or an editor that re-saved the file) put the keys in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value)
    // JSON has no undefined (nor functions): in an array it is null, as JSON.stringify writes it.
    return text === undefined ? 'null' : text
  }
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']'
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    // By UTF-16 code units, not the locale: the order must be the same on every machine.
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return '{' + entries.map(([k, v]) => JSON.stringify(k) + ':' + canonicalJson(v)).join(',') + '}'
}
