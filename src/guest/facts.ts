import { LabError } from '../util/errors.js'
import type { GuestSession } from './session.js'

export type OsFamily = 'el7' | 'el8' | 'el9' | 'el10' | 'debian'

/** What modules need to know about a node's OS, read in one round trip. */
export interface GuestFacts {
  family: OsFamily
  /** os-release ID: centos, rocky, almalinux, rhel, debian, ubuntu… */
  id: string
  versionId: string
  prettyName: string
  packageManager: 'yum' | 'dnf' | 'apt'
  services: { chrony: 'chronyd' | 'chrony'; ssh: 'sshd' | 'ssh' }
  paths: { chronyConf: '/etc/chrony.conf' | '/etc/chrony/chrony.conf' }
  /** firewalld is running (so ports must be opened). */
  firewalld: boolean
  hostname: string
}

const OS_RELEASE = '#vmlab:os-release'
const FACTS = '#vmlab:facts'

/**
 * One sh script for everything, so that probing costs one round trip; and the shell's own builtins where
 * they do, since each process costs ~0.1 s on an emulated node (systemctl runs only where firewalld is
 * installed). os-release may lack a final newline, hence the bare `echo` before the next marker.
 */
export const PROBE_SCRIPT = [
  `echo '${OS_RELEASE}'`,
  'f=/etc/os-release; [ -r "$f" ] || f=/usr/lib/os-release',
  `[ -r "$f" ] && while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done <"$f"; echo`,
  `echo '${FACTS}'`,
  'for c in dnf yum apt-get; do command -v "$c" >/dev/null 2>&1 && echo "has=$c"; done',
  'for u in /etc/systemd/system /usr/lib/systemd/system /lib/systemd/system; do',
  '  [ -e "$u/firewalld.service" ] && { echo "firewalld=$(systemctl is-active firewalld 2>/dev/null)"; break; }',
  'done',
  'read -r h </proc/sys/kernel/hostname && echo "hostname=$h"',
].join('\n')

export async function probeFacts(session: GuestSession): Promise<GuestFacts> {
  const result = await session.run(PROBE_SCRIPT, { timeoutMs: 60_000 })
  return parseFacts(result.stdout, session.name)
}

/** Reads os-release syntax: KEY=value, values bare, "double quoted" (with \ escapes) or 'single quoted'. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
    if (!m || m[1] === undefined || m[2] === undefined) continue
    let value = m[2]
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\([\\"$`])/g, '$1')
    } else if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
      value = value.slice(1, -1)
    }
    out[m[1]] = value
  }
  return out
}

const SUPPORTED = 'CentOS 7, EL 8, 9 and 10 (Rocky, AlmaLinux, CentOS Stream, RHEL) and Debian'

export function osFamily(release: Record<string, string>, node: string): OsFamily {
  const ids = [release.ID ?? '', ...(release.ID_LIKE ?? '').split(/\s+/)].filter((s) => s !== '')
  const name = release.PRETTY_NAME ?? (release.ID ? `${release.ID} ${release.VERSION_ID ?? ''}`.trim() : 'an unknown OS')
  if (ids.includes('debian')) return 'debian'
  if (ids.includes('rhel') || ids.includes('centos')) {
    const major = Number.parseInt(release.VERSION_ID ?? '', 10)
    if (major === 7 || major === 8 || major === 9 || major === 10) return `el${major}`
  }
  throw new LabError(`${node} runs ${name}, which lab does not support`, { hint: `lab supports ${SUPPORTED}` })
}

const PACKAGE_MANAGERS: Record<OsFamily, Array<['yum' | 'dnf' | 'apt', string]>> = {
  el7: [
    ['yum', 'yum'],
    ['dnf', 'dnf'],
  ],
  el8: [
    ['dnf', 'dnf'],
    ['yum', 'yum'],
  ],
  el9: [
    ['dnf', 'dnf'],
    ['yum', 'yum'],
  ],
  el10: [
    ['dnf', 'dnf'],
    ['yum', 'yum'],
  ],
  debian: [['apt', 'apt-get']],
}

/** Turns the probe script's output into facts. */
export function parseFacts(output: string, node: string): GuestFacts {
  const start = output.indexOf(`${OS_RELEASE}\n`)
  const split = output.indexOf(`${FACTS}\n`)
  if (start === -1 || split === -1 || split < start) {
    throw new LabError(`${node}: the OS probe printed something unexpected:\n${output.slice(0, 500)}`, {
      hint: 'the login shell of the lab user may print text of its own; check its profile files on the node',
    })
  }
  const release = parseOsRelease(output.slice(start + OS_RELEASE.length + 1, split))
  const found = new Map<string, string[]>()
  for (const line of output.slice(split + FACTS.length + 1).split('\n')) {
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    const key = line.slice(0, eq)
    found.set(key, [...(found.get(key) ?? []), line.slice(eq + 1).trim()])
  }
  const family = osFamily(release, node)
  const el = family !== 'debian'
  const has = found.get('has') ?? []
  const manager = PACKAGE_MANAGERS[family].find(([, binary]) => has.includes(binary))
  if (manager === undefined) {
    const looked = PACKAGE_MANAGERS[family].map(([, binary]) => binary).join(', ')
    throw new LabError(`${node}: ${release.PRETTY_NAME ?? family} has no package manager lab knows (looked for ${looked})`)
  }
  return {
    family,
    id: release.ID ?? '',
    versionId: release.VERSION_ID ?? '',
    prettyName: release.PRETTY_NAME ?? '',
    packageManager: manager[0],
    services: { chrony: el ? 'chronyd' : 'chrony', ssh: el ? 'sshd' : 'ssh' },
    paths: { chronyConf: el ? '/etc/chrony.conf' : '/etc/chrony/chrony.conf' },
    firewalld: found.get('firewalld')?.[0] === 'active',
    hostname: found.get('hostname')?.[0] ?? '',
  }
}
