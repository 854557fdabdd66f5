/**
 * Quoting for the two languages a kickstart mixes: kickstart command lines (split by Python's
 * shlex, where an unquoted `#` starts a comment) and the bash of %post.
 */

/** A kickstart word: left bare when shlex keeps it whole, else double-quoted. */
export function ksQuote(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new Error(`kickstart value on more than one line: ${JSON.stringify(value)}`)
  if (value !== '' && !/[\s'"\\#]/.test(value)) return value
  // inside "…" shlex only treats \" and \\ as escapes
  return `"${value.replace(/[\\"]/g, '\\$&')}"`
}

/** A bash word in single quotes. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}
