/**
 * The lab's libvirt network: one per lab (per instance), NAT out, with the lab's own subnet and the host's
 * address first. libvirt's NAT networks forward only to the outside, not to each other: another lab's network
 * (another student's) is not reachable from this one. DHCP serves the top of the range only, for an installer;
 * the nodes' lab addresses are static (seed disc), below it.
 */
import { esc } from './xml.js'
import type { NetworkSpec } from '../provider.js'

/** libvirt's name of the lab's network. */
export function networkName(lab: string): string {
  return `vmlab-${lab}`
}

/** A bridge name fits IFNAMSIZ (15): `vl-` and a hash of the network's name. */
export function bridgeName(name: string): string {
  let h = 2166136261
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0
  return `vl-${h.toString(16).padStart(8, '0')}`
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0)
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.')
}

/** The DHCP range: the last quarter of the subnet (at most 50 addresses), below the broadcast address. */
export function dhcpRange(spec: NetworkSpec): { start: string; end: string } {
  const size = 2 ** (32 - spec.prefix)
  const base = ipToInt(spec.cidr.split('/')[0]!)
  const end = base + size - 2
  const count = Math.max(1, Math.min(50, Math.floor(size / 4)))
  return { start: intToIp(end - count + 1), end: intToIp(end) }
}

export function networkXml(spec: NetworkSpec): string {
  const name = networkName(spec.lab)
  const range = dhcpRange(spec)
  return [
    '<network>',
    `  <name>${esc(name)}</name>`,
    `  <forward mode='nat'/>`,
    `  <bridge name='${bridgeName(name)}' stp='on' delay='0'/>`,
    `  <ip address='${esc(spec.hostIp)}' netmask='${esc(spec.netmask)}'>`,
    '    <dhcp>',
    `      <range start='${range.start}' end='${range.end}'/>`,
    '    </dhcp>',
    '  </ip>',
    '</network>',
    '',
  ].join('\n')
}
