/** The last meaningful line of a failed docker CLI call whose stderr was folded into its probe section, without docker's "Error response from daemon:" lead. */
export function dockerSaid(out: string): string {
  const lines = out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && l !== '[]')
  return (lines.pop() ?? 'no output').replace(/^Error( response from daemon)?: /, '')
}
