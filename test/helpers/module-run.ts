/**
 * Driving the base modules (hosts, repos, firewall, chrony, exec, file) in tests: OS facts from the real
 * os-release files, probe answers in the probe script's own framing, and the engine's provision() run
 * against FakeGuests.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseFacts, type GuestFacts } from '../../src/guest/facts.js'
import { parseLab } from '../../src/lab/load.js'
import type { ResolvedLab } from '../../src/lab/resolve.js'
import { provision } from '../../src/engine/provision.js'
import type { ModuleResult } from '../../src/modules/module.js'
import { sha256 } from '../../src/modules/lib/remote-file.js'
import type { FakeGuest } from './fake-guest.js'

const OS_RELEASE = join(dirname(fileURLToPath(import.meta.url)), '..', 'guest', 'fixtures', 'os-release')

export type FamilyCase = 'el7' | 'el8' | 'el9' | 'debian'
export const FAMILIES: FamilyCase[] = ['el7', 'el8', 'el9', 'debian']
const RELEASE_FILE: Record<FamilyCase | 'alma9' | 'centos-stream9', string> = {
  el7: 'centos7',
  el8: 'rocky8',
  el9: 'rocky9',
  debian: 'debian12',
  alma9: 'alma9',
  'centos-stream9': 'centos-stream9',
}

/** Facts as the facts probe reads them from a node of that OS (firewalld running on EL, absent on Debian). */
export function factsFor(os: keyof typeof RELEASE_FILE, opts: { firewalld?: boolean } = {}): GuestFacts {
  const release = readFileSync(join(OS_RELEASE, RELEASE_FILE[os]), 'utf8')
  const el = os !== 'debian'
  const has = el ? (os === 'el7' ? ['has=yum'] : ['has=dnf', 'has=yum']) : ['has=apt-get']
  const firewalld = opts.firewalld ?? el
  const out = [`#vmlab:os-release`, release, '#vmlab:facts', ...has, `firewalld=${firewalld ? 'active' : 'inactive'}`, 'hostname=localhost.localdomain']
  return parseFacts(`${out.join('\n')}\n`, 'test')
}

export interface Section {
  out: string
  code?: number
}

/** stdout of a probe script whose sections printed these outputs (framing as src/modules/lib/probe-script.ts prints it). */
export function probeOutput(sections: Record<string, string | Section>): string {
  return Object.entries(sections)
    .map(([name, s]) => {
      const { out, code = 0 } = typeof s === 'string' ? { out: s } : s
      return `#vmlab:begin:${name}\n${out}\n#vmlab:end:${name}:${code}\n`
    })
    .join('')
}

/**
 * What fileSection prints for a file: stat, then base64 wrapped at 76 like GNU base64. `sendContent` stands
 * for a section with a checksum to compare (`unlessSha256`): the checksum line, and the content only if true.
 */
export function fileOut(content: string | undefined, opts: { mode?: string; owner?: string; group?: string; sendContent?: boolean; dir?: boolean } = {}): string {
  if (content === undefined) return opts.dir === false ? 'absent\nnodir\n' : 'absent\n'
  const lines = [`stat ${opts.mode ?? '644'} ${opts.owner ?? 'root'} ${opts.group ?? 'root'}`]
  if (opts.sendContent !== undefined) lines.push(`sha256 ${sha256(content)}`)
  if (opts.sendContent !== false) {
    lines.push('content')
    const b64 = Buffer.from(content, 'utf8').toString('base64')
    for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76))
  }
  return `${lines.join('\n')}\n`
}

/** Matches the probe script that contains this section. */
export function probeMatch(section: string): RegExp {
  return new RegExp(`^echo '#vmlab:begin:${section}'`)
}

/** The commands a FakeGuest received, with probe scripts shown as `PROBE` (their text is tested on its own). */
export function sent(guest: FakeGuest): string[] {
  return guest.commands.map((c) => (/^(sudo )?echo '#vmlab:begin:/.test(c) ? 'PROBE' : c.replace(/^sudo /, '')))
}

export function lab(yaml: string): ResolvedLab {
  return parseLab(yaml, 'test.yaml')
}

/** A two- or three-node lab on 192.168.56.0/24 with the given modules block (YAML lines). */
export function labWith(modules: string, opts: { nodes?: string[]; os?: string } = {}): ResolvedLab {
  const nodes = opts.nodes ?? ['master', 'node1']
  return lab(
    ['name: t', `os: ${opts.os ?? 'rocky9'}`, 'network: { cidr: 192.168.56.0/24 }', 'nodes:', ...nodes.map((n, i) => `  - { name: ${n}, ip: 192.168.56.${10 + i} }`), 'modules:', modules, ''].join(
      '\n',
    ),
  )
}

/** Runs one module of the lab on one node through the engine, as `lab up` / `lab provision [--check]` would. */
export async function runModule(
  l: ResolvedLab,
  module: string,
  node: string,
  guest: FakeGuest,
  facts: GuestFacts,
  opts: { check?: boolean; labDir?: string; log?: string[] } = {},
): Promise<ModuleResult> {
  const results = await provision(
    l,
    {
      guest: async () => ({ guest, facts }),
      secret: async () => 'unused',
      labFile: (rel) => join(opts.labDir ?? '/nonexistent', rel),
      log: (_node, line) => opts.log?.push(line),
    },
    { only: [module], nodes: [node], ...(opts.check ? { check: true } : {}) },
  )
  if (results.length !== 1) throw new Error(`expected one result, got ${JSON.stringify(results)}`)
  return results[0]!
}
