/**
 * Whole files on a node, the idempotent way: read the file's state inside a module's one probe script,
 * compare it with the wanted content, show a unified diff in the plan, write atomically in apply.
 */
import { createHash } from 'node:crypto'
import { posix } from 'node:path'
import type { Change, Facts, Guest } from '../module.js'
import { shellQuote } from '../../guest/remote-command.js'
import { LabError } from '../../util/errors.js'
import { unifiedDiff } from './unified-diff.js'
import { must } from './must.js'

export interface RemoteFile {
  path: string
  kind: 'file' | 'absent' | 'other'
  /** The parent directory exists (only known, and only false, for an absent file). */
  dirExists: boolean
  sha256?: string
  /** Absent when the probe skipped it because the checksum matched the wanted content. */
  content?: string
  mode?: number
  owner?: string
  group?: string
}

export interface WantedFile {
  path: string
  content: string
  /** Checked and set only when given. */
  mode?: number
  owner?: string
  group?: string
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/**
 * A probe section (shell text) printing the file's state. With `unlessSha256` the content is sent only when
 * its checksum differs, so an unchanged large file costs a line, not its bytes; without it the content is
 * sent and its checksum computed here (a sha256sum process less on the node).
 */
export function fileSection(path: string, unlessSha256?: string): string {
  const send = unlessSha256 === undefined ? 'echo content; base64 -- "$f"' : `s=$(sha256sum -- "$f"); s=\${s%% *}; echo "sha256 $s"; [ "$s" = ${unlessSha256} ] || { echo content; base64 -- "$f"; }`
  return [
    `f=${shellQuote(path)}`,
    'if [ -f "$f" ]; then',
    `  stat -c 'stat %a %U %G' -- "$f"; ${send}`,
    'elif [ -e "$f" ]; then echo other',
    `else echo absent; [ -d ${shellQuote(posix.dirname(path))} ] || echo nodir; fi`,
  ].join('\n')
}

export function parseFileSection(path: string, out: string): RemoteFile {
  const lines = out.split('\n')
  const first = lines[0] ?? ''
  if (first === 'absent') return { path, kind: 'absent', dirExists: !lines.includes('nodir') }
  if (first === 'other') return { path, kind: 'other', dirExists: true }
  const stat = /^stat ([0-7]+) (\S+) (\S+)$/.exec(first)
  const sum = /^sha256 ([0-9a-f]{64})$/.exec(lines[1] ?? '')
  const at = sum ? 2 : 1
  if (!stat || (!sum && lines[at] !== 'content')) throw new LabError(`cannot read the state of ${path} from the probe:\n${out.slice(0, 300)}`)
  const file: RemoteFile = { path, kind: 'file', dirExists: true, mode: Number.parseInt(stat[1]!, 8), owner: stat[2]!, group: stat[3]! }
  if (lines[at] === 'content') {
    const bytes = Buffer.from(lines.slice(at + 1).join(''), 'base64')
    file.content = bytes.toString('utf8')
    file.sha256 = createHash('sha256').update(bytes).digest('hex')
  }
  if (sum) file.sha256 = sum[1]!
  return file
}

/** The change that makes `current` into `wanted` (with a diff when the content differs), or undefined when none is needed. */
export function fileChange<K extends string>(key: K, current: RemoteFile, wanted: WantedFile, why: string): Change<K> | undefined {
  if (current.kind === 'other') {
    throw new LabError(`${wanted.path} exists but is not a regular file`, { hint: 'move it out of the way on the node, or choose another path' })
  }
  const sameContent = current.kind === 'file' && (current.content === undefined ? current.sha256 === sha256(wanted.content) : current.content === wanted.content)
  const fixes = [
    wanted.mode !== undefined && current.mode !== wanted.mode ? `mode ${formatMode(wanted.mode)}` : '',
    wanted.owner !== undefined && current.owner !== wanted.owner ? `owner ${wanted.owner}` : '',
    wanted.group !== undefined && current.group !== wanted.group ? `group ${wanted.group}` : '',
  ].filter((s) => s !== '')
  if (current.kind === 'file' && sameContent) {
    return fixes.length ? { key, what: `set ${fixes.join(', ')} of ${wanted.path}`, why } : undefined
  }
  const diff = unifiedDiff(current.content ?? '', wanted.content, {
    from: current.kind === 'absent' ? '/dev/null' : wanted.path,
    to: wanted.path,
  })
  return { key, what: `${current.kind === 'absent' ? 'create' : 'write'} ${wanted.path}`, why, diff }
}

/**
 * Writes the file atomically (the Guest uploads to a sibling and renames), creating its directory when the
 * probe found none. On EL the file then gets its directory's SELinux label: an uploaded file carries the
 * generic one, which confined daemons may not read.
 */
export async function writeFile(guest: Guest, node: string, facts: Facts, current: RemoteFile, wanted: WantedFile): Promise<void> {
  if (!current.dirExists) await must(guest, node, ['mkdir', '-p', '--', posix.dirname(wanted.path)])
  await guest.upload(wanted.path, wanted.content, {
    mode: wanted.mode ?? current.mode ?? 0o644,
    ...(wanted.owner === undefined ? {} : { owner: wanted.owner }),
    ...(wanted.group === undefined ? {} : { group: wanted.group }),
  })
  if (facts.family !== 'debian') await must(guest, node, ['restorecon', '--', wanted.path])
}

export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, '0')
}
