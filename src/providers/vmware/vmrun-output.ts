/**
 * What vmrun prints, parsed. vmrun.exe ends lines with CRLF and paths may hold spaces and backslashes, so
 * lines are split on either ending and kept whole.
 */

function lines(stdout: string): string[] {
  return stdout.split(/\r?\n/).filter((l) => l.trim() !== '')
}

function afterHeader(stdout: string, header: RegExp, what: string): string[] {
  const all = lines(stdout)
  const first = all.findIndex((l) => header.test(l))
  if (first === -1) throw new Error(`vmrun ${what}: no "${header.source}" line in its output:\n${stdout.slice(0, 500)}`)
  return all.slice(first + 1)
}

/** `vmrun list`: `Total running VMs: N` then one absolute .vmx path per line. */
export function parseVmrunList(stdout: string): string[] {
  return afterHeader(stdout, /^Total running VMs: \d+\s*$/, 'list').map((l) => l.trim())
}

/** `vmrun listSnapshots`: `Total snapshots: N` then one name per line, oldest first. */
export function parseListSnapshots(stdout: string): string[] {
  // Names may start or end with spaces; only the line ending goes.
  return afterHeader(stdout, /^Total snapshots: \d+\s*$/, 'listSnapshots')
}

/** The `Error: …` lines vmrun printed (on stdout, sometimes with exit code 0). */
export function vmrunErrorLines(stdout: string): string[] {
  return lines(stdout)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('Error:'))
}

/** `vmrun version 1.17.0 build-24238078`, the first line vmrun prints without a command. */
export function parseVmrunVersion(stdout: string): string | undefined {
  return /^vmrun version (\S+(?: build-\d+)?)/m.exec(stdout)?.[1]
}
