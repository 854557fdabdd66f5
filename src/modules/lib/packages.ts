/**
 * Packages the way `state: present` works: ask rpm or dpkg inside the module's probe script, install only
 * what is missing, never interactively (a prompt over SSH would hang until the timeout).
 */
import type { Facts, Family, Guest } from '../module.js'
import { shellQuote } from '../../guest/remote-command.js'
import { LabError } from '../../util/errors.js'
import { must } from './must.js'

export interface PackageState {
  installed: Set<string>
  /** Debian: apt has package lists (a fresh debootstrap or a cleaned image has none, and installs fail). */
  aptLists: boolean
}

/**
 * A probe section listing which of `names` are installed (and, on Debian, whether apt has lists): one
 * process, since every process costs ~0.1 s on an emulated node. dpkg-query lists each known package with
 * its status (`ii  chrony`); rpm prints our format for an installed one and a sentence for a missing one.
 */
export function packagesSection(family: Family, names: readonly string[]): string {
  const words = names.map(shellQuote).join(' ')
  if (family !== 'debian') return `rpm -q --qf 'installed %{NAME}\\n' ${words}; true`
  return [
    `dpkg-query -W -f '\${db:Status-Abbrev} \${Package}\\n' ${words} 2>/dev/null`,
    // The shell's own glob, not ls | grep: two processes fewer.
    'for f in /var/lib/apt/lists/*_Packages*; do [ -e "$f" ] && echo \'aptlists yes\'; break; done; true',
  ].join('\n')
}

export function parsePackages(out: string): PackageState {
  const installed = new Set<string>()
  let aptLists = false
  for (const line of out.split('\n')) {
    // rpm: `installed NAME`; dpkg: the status abbreviation (second letter i: installed), then the name.
    const m = /^installed (\S+)$/.exec(line) ?? /^.i. +(\S+)$/.exec(line)
    if (m) installed.add(m[1]!)
    if (line === 'aptlists yes') aptLists = true
  }
  return { installed, aptLists }
}

/** The install command for the node's package manager. */
export function installCommand(facts: Facts, names: readonly string[]): string[] {
  switch (facts.packageManager) {
    case 'yum':
      // EL7's yum exits 0 when some of the named packages do not exist; this makes it fail as dnf does.
      return ['yum', '-y', '--setopt=skip_missing_names_on_install=False', 'install', ...names]
    case 'dnf':
      return ['dnf', '-y', 'install', ...names]
    case 'apt':
      // confold: a configuration file written before the install (chrony's) is kept, not replaced or asked about.
      return [
        'env',
        'DEBIAN_FRONTEND=noninteractive',
        'UCF_FORCE_CONFFOLD=1',
        'apt-get',
        '-y',
        '-o',
        'DPkg::Lock::Timeout=300',
        '-o',
        'Dpkg::Options::=--force-confdef',
        '-o',
        'Dpkg::Options::=--force-confold',
        'install',
        ...names,
      ]
  }
}

export const APT_UPDATE = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-y', 'update']

/** What apt says when its lists are missing or older than the mirror: an update and a second try fix it. */
const STALE_LISTS = /Unable to locate package|has no installation candidate|Failed to fetch|404\s+Not Found/

/** Installs `names`; on Debian updates the lists first when there are none, or once when they proved stale. */
export async function installPackages(guest: Guest, node: string, facts: Facts, names: readonly string[], state: PackageState): Promise<void> {
  const install = installCommand(facts, names)
  if (facts.packageManager !== 'apt') {
    await must(guest, node, install)
    return
  }
  if (!state.aptLists) await must(guest, node, APT_UPDATE)
  try {
    await must(guest, node, install)
  } catch (error) {
    if (!state.aptLists || !(error instanceof LabError) || !STALE_LISTS.test(error.message)) throw error
    await must(guest, node, APT_UPDATE)
    await must(guest, node, install)
  }
}
