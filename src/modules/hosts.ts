/**
 * hosts: the node's name is its FQDN, and /etc/hosts names every node of the lab (swarm, chrony, Harbor and
 * the students use names). The lab's lines live in a marked block so that other lines survive.
 */
import type { Change, Module, ModuleContext } from './module.js'
import type { ModuleOptions } from '../lab/module-options.js'
import type { ResolvedLab } from '../lab/resolve.js'
import { probeSections } from './lib/probe-script.js'
import { must } from './lib/must.js'
import { fileChange, fileSection, parseFileSection, writeFile, type RemoteFile } from './lib/remote-file.js'
import { expectConverged } from './lib/converged.js'
import { changeKeys } from './lib/change-keys.js'
import { HOSTS_BEGIN, HOSTS_END, LOCALHOST_LINES, hostsBlock } from '../lab/etc-hosts.js'

type Options = ModuleOptions<'hosts'>
type Key = 'hostname' | 'hosts'

export interface HostsProbe {
  hostnameFile: RemoteFile
  /** The kernel's host name now (`uname -n`). */
  running: string
  hosts: RemoteFile
  hostnamectl: boolean
}

/** The header the identity agent wrote above the node lines before it wrote the block: clones made then still carry it. */
const AGENT_HEADER = '# lab nodes (vmlab)'
/** Debian's line for the machine's own name; on a clone it names the base, and it would shadow the lab address. */
const DEBIAN_SELF = '127.0.1.1'

/** The lab's block: one line per node (`IP FQDN short`), then the `extra` entries. */
export function labHostsBlock(lab: ResolvedLab, extra: Options['extra']): string[] {
  return hostsBlock([...lab.nodes.map((n) => ({ ip: n.ip, names: [n.fqdn, n.name] })), ...extra])
}

/**
 * /etc/hosts as it should be: the old text with the lab's block replaced (or appended), every lab name taken
 * off other lines (a name must resolve to its lab address only), 127.0.1.1 lines dropped, and localhost
 * lines added when the file had none.
 */
export function renderHosts(current: string, lab: ResolvedLab, extra: Options['extra']): string {
  const managed = new Set([...lab.nodes.flatMap((n) => [n.fqdn, n.name]), ...extra.flatMap((e) => e.names)].map((n) => n.toLowerCase()))
  const kept: string[] = []
  let blockAt = -1
  let inBlock = false
  for (const line of current.split('\n')) {
    if (line.trim() === HOSTS_BEGIN) {
      inBlock = true
      if (blockAt < 0) blockAt = kept.length
      continue
    }
    if (inBlock) {
      if (line.trim() === HOSTS_END) inBlock = false
      continue
    }
    if (line.trim() === AGENT_HEADER) continue
    const cleaned = withoutNames(line, managed)
    if (cleaned !== undefined) kept.push(cleaned)
  }
  while (kept.length && kept[kept.length - 1] === '') kept.pop()
  const has = (ip: string): boolean => kept.some((l) => l.split('#')[0]!.trim().split(/\s+/)[0] === ip && /\slocalhost(\s|$)/.test(l.split('#')[0]!))
  const missing = LOCALHOST_LINES.filter((l) => !has(l.split(/\s+/)[0]!))
  kept.unshift(...missing)
  const block = labHostsBlock(lab, extra)
  if (blockAt < 0 || blockAt > kept.length) kept.push(...block)
  else kept.splice(blockAt + missing.length, 0, ...block)
  return `${kept.join('\n')}\n`
}

/** The line without lab names; undefined when it should go (nothing but lab names, or a 127.0.1.1 line). */
function withoutNames(line: string, managed: Set<string>): string | undefined {
  const hash = line.indexOf('#')
  const body = hash < 0 ? line : line.slice(0, hash)
  const fields = body
    .trim()
    .split(/\s+/)
    .filter((f) => f !== '')
  if (fields.length === 0) return line
  if (fields[0] === DEBIAN_SELF) return undefined
  const names = fields.slice(1)
  const left = names.filter((n) => !managed.has(n.toLowerCase()))
  if (left.length === names.length) return line
  if (left.length === 0) return undefined
  return [fields[0], ...left].join(' ') + (hash < 0 ? '' : ` ${line.slice(hash)}`)
}

export function hostsModule(): Module<Options, HostsProbe, Key> {
  const hosts: Module<Options, HostsProbe, Key> = {
    name: 'hosts',

    async probe(ctx) {
      const s = await probeSections(ctx.guest, ctx.node.name, {
        hostname: fileSection('/etc/hostname'),
        // The kernel's name, as uname -n prints it, read by the shell (a process less).
        running: 'read -r h </proc/sys/kernel/hostname && echo "$h"',
        hosts: fileSection('/etc/hosts'),
        hostnamectl: 'command -v hostnamectl',
      })
      return {
        hostnameFile: parseFileSection('/etc/hostname', s.hostname.out),
        running: s.running.out.trim(),
        hosts: parseFileSection('/etc/hosts', s.hosts.out),
        hostnamectl: s.hostnamectl.code === 0,
      }
    },

    plan(ctx, p) {
      const changes: Change<Key>[] = []
      const fqdn = ctx.node.fqdn
      const file = fileChange('hostname', p.hostnameFile, { path: '/etc/hostname', content: `${fqdn}\n` }, 'each node carries its own name')
      if (file) changes.push({ ...file, what: `set the host name to ${fqdn}` })
      else if (p.running !== fqdn) changes.push({ key: 'hostname', what: `set the host name to ${fqdn}`, why: `the running name is ${p.running}` })
      const wanted = renderHosts(p.hosts.content ?? '', ctx.lab, ctx.options.extra)
      const hostsFile = fileChange('hosts', p.hosts, { path: '/etc/hosts', content: wanted, mode: 0o644 }, 'every node must resolve the others by name')
      if (hostsFile) changes.push(hostsFile)
      return changes
    },

    async apply(ctx, changes, p) {
      const keys = changeKeys(changes)
      if (keys.has('hostname')) await setHostname(ctx, p)
      if (keys.has('hosts')) {
        const content = renderHosts(p.hosts.content ?? '', ctx.lab, ctx.options.extra)
        await writeFile(ctx.guest, ctx.node.name, ctx.facts, p.hosts, { path: '/etc/hosts', content, mode: 0o644 })
      }
    },

    verify(ctx, run) {
      return expectConverged(hosts, ctx, run)
    },
  }
  return hosts
}

/** hostnamectl writes /etc/hostname and renames the running system; without it, do both by hand. */
async function setHostname(ctx: ModuleContext<Options>, p: HostsProbe): Promise<void> {
  const node = ctx.node
  if (p.hostnamectl) {
    await must(ctx.guest, node.name, ['hostnamectl', 'set-hostname', node.fqdn])
    return
  }
  await writeFile(ctx.guest, node.name, ctx.facts, p.hostnameFile, { path: '/etc/hostname', content: `${node.fqdn}\n`, mode: 0o644 })
  await must(ctx.guest, node.name, ['hostname', node.fqdn])
}

export default hostsModule()
