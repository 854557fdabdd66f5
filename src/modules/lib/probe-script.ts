/**
 * Probing in one round trip: several read-only commands run as one sh script, each framed by markers that
 * carry its exit status, so one SSH exec answers what would otherwise take a command each.
 */
import type { Guest } from '../module.js'
import { commandText } from '../../guest/remote-command.js'
import { LabError } from '../../util/errors.js'

export interface SectionResult {
  code: number
  /** The command's standard output, byte for byte (a file without a final newline stays without one). */
  out: string
}

const BEGIN = '#vmlab:begin:'
const END = '#vmlab:end:'

/**
 * The script for `sections` (name → argv, or fixed shell text). Every section ends with a newline before
 * its end marker, so that output lacking a final newline cannot swallow the marker.
 */
export function sectionScript(sections: Record<string, string | readonly string[]>, opts: { parallel?: boolean } = {}): string {
  const entries = Object.entries(sections)
  if (opts.parallel && entries.length > 1) return parallelScript(entries)
  return entries.map(([name, cmd]) => `echo '${BEGIN}${name}'\n${commandText(cmd)}\nprintf '\\n${END}${name}:%s\\n' "$?"`).join('\n')
}

/**
 * At most this many sections run at once: a docker CLI is a Go program of some 30 MiB, and a node of a lab
 * has a GiB or two and a vCPU or two.
 */
export const PARALLEL_SECTIONS = 8

/**
 * The same sections run side by side (a grading run asks dozens of questions, most of them a docker CLI
 * that takes a second or more to start under emulation): each in a subshell of its own (an `exit` or a `cd`
 * stays in it) writing to a file of a private temporary folder, then printed in order with the same markers.
 */
function parallelScript(entries: [string, string | readonly string[]][]): string {
  const lines = ['vmlab_d=$(mktemp -d) || exit 1']
  entries.forEach(([, cmd], i) => {
    lines.push(`( ( ${commandText(cmd)}\n) >"$vmlab_d/${i}" </dev/null; echo "$?" >"$vmlab_d/${i}.rc" ) &`)
    if ((i + 1) % PARALLEL_SECTIONS === 0) lines.push('wait')
  })
  lines.push('wait')
  entries.forEach(([name], i) => {
    lines.push(`echo '${BEGIN}${name}'; cat "$vmlab_d/${i}"; printf '\\n${END}${name}:%s\\n' "$(cat "$vmlab_d/${i}.rc" 2>/dev/null || echo 255)"`)
  })
  lines.push('rm -rf "$vmlab_d"')
  return lines.join('\n')
}

export function parseSections(stdout: string, names: readonly string[]): Map<string, SectionResult> {
  const found = new Map<string, SectionResult>()
  for (const name of names) {
    const start = stdout.indexOf(`${BEGIN}${name}\n`)
    if (start < 0) continue
    const from = start + BEGIN.length + name.length + 1
    // The section's own text sits between the begin line and the newline printed before the end marker.
    const end = stdout.indexOf(`\n${END}${name}:`, from)
    if (end < 0) continue
    const code = Number.parseInt(stdout.slice(end + END.length + name.length + 2), 10)
    found.set(name, { code, out: stdout.slice(from, end) })
  }
  return found
}

/** What one exec of a section script gave: each section that reported back, and the exec's own result. */
export interface SectionsRead {
  sections: Map<string, SectionResult>
  code: number
  stdout: string
  stderr: string
}

/** How long one probe may take: generous, since a busy host can slow an emulated node down a lot. */
export const PROBE_TIMEOUT_MS = 120_000

/** Runs the sections as root in one exec (`timeoutMs`: a batch of several probes gets the sum of theirs; `parallel`: side by side). */
export async function readSections(guest: Guest, sections: Record<string, string | readonly string[]>, timeoutMs = PROBE_TIMEOUT_MS, opts: { parallel?: boolean } = {}): Promise<SectionsRead> {
  const result = await guest.exec(sectionScript(sections, opts), { sudo: true, timeoutMs })
  return { sections: parseSections(result.stdout, Object.keys(sections)), code: result.code, stdout: result.stdout, stderr: result.stderr }
}

/**
 * Runs the sections as root in one exec (or in the one a batching guest sends for every module probing the
 * node at that moment); every section must report back, or the node printed something odd.
 */
export async function probeSections<K extends string>(guest: Guest, node: string, sections: Record<K, string | readonly string[]>): Promise<Record<K, SectionResult>> {
  const names = Object.keys(sections) as K[]
  const result = guest.readSections ? await guest.readSections(sections) : await readSections(guest, sections)
  const missing = names.filter((n) => !result.sections.has(n))
  if (missing.length) {
    const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-5).join('\n')
    throw new LabError(`${node}: the probe did not report ${missing.join(', ')} (exit ${result.code})${said ? `:\n${said}` : ''}`, {
      hint: 'the login shell of the lab user may print text of its own, or sudo refused; check the node',
    })
  }
  return Object.fromEntries(names.map((n) => [n, result.sections.get(n)!])) as Record<K, SectionResult>
}
