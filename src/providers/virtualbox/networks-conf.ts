/**
 * Since 6.1.28, VirtualBox on Linux and macOS assigns host-only interface addresses only inside the
 * ranges /etc/vbox/networks.conf allows: lines `* 10.0.0.0/8 192.168.0.0/16` (anything else, `#`
 * comments included, is ignored). Without the file only 192.168.56.0/21 is allowed; with it, only what
 * it lists. An address matches a range when its prefix is at least the range's and it lies inside.
 * Checking before `hostonlyif ipconfig` turns an E_ACCESSDENIED into the line the user has to add.
 */
import { posix } from 'node:path'
import { netmask, parseIPv4 } from '../../lab/net.js'
import type { Preflight } from '../provider.js'

export const DEFAULT_NETWORKS_CONF = '/etc/vbox/networks.conf'
export const DEFAULT_ALLOWED = '192.168.56.0/21'

/** The IPv4 ranges a networks.conf text allows (the default when there is no file). */
export function allowedRanges(confText: string | undefined): Array<{ network: number; prefix: number; text: string }> {
  const entries = confText === undefined ? [DEFAULT_ALLOWED] : confText.split(/\r?\n/).flatMap(rangesOfLine)
  return entries.flatMap((text) => {
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(text)
    const ip = m ? parseIPv4(m[1]!) : undefined
    const prefix = m ? Number(m[2]) : NaN
    if (ip === undefined || !(prefix >= 0 && prefix <= 32)) return []
    return [{ network: (ip & netmask(prefix)) >>> 0, prefix, text }]
  })
}

function rangesOfLine(line: string): string[] {
  const words = line.trim().split(/\s+/)
  return words[0] === '*' ? words.slice(1) : []
}

/** True when VirtualBox lets a host-only interface take `hostIp`/`prefix`. */
export function hostOnlyAddressAllowed(hostIp: string, prefix: number, confText: string | undefined): boolean {
  const ip = parseIPv4(hostIp)
  if (ip === undefined) return false
  return allowedRanges(confText).some((r) => prefix >= r.prefix && (ip & netmask(r.prefix)) >>> 0 === r.network)
}

/** The line to add to networks.conf for a lab network. */
export function networksConfLine(cidr: string): string {
  return `* ${cidr}`
}

/**
 * Why VirtualBox would refuse the lab's host address, with the exact fix; undefined when it is allowed.
 * When the file does not exist yet, the line keeps the default range, which creating the file drops.
 */
export function networksConfProblem(net: { cidr: string; prefix: number; hostIp: string }, confText: string | undefined, path: string): Preflight | undefined {
  if (hostOnlyAddressAllowed(net.hostIp, net.prefix, confText)) return undefined
  const ranges = allowedRanges(confText).map((r) => r.text)
  const line = confText === undefined ? `* ${DEFAULT_ALLOWED} ${net.cidr}` : networksConfLine(net.cidr)
  const allowed = ranges.length === 0 ? 'none' : ranges.join(', ')
  return {
    problem:
      `VirtualBox will refuse the lab network ${net.cidr}: host-only networks must lie in the ranges of ${path} ` +
      `(${confText === undefined ? `no such file, so only ${DEFAULT_ALLOWED}` : `allowed now: ${allowed}`})`,
    fix: `add the line \`${line}\` to ${path} as root, e.g. \`sudo mkdir -p ${posix.dirname(path)} && echo '${line}' | sudo tee -a ${path}\`; or use a lab network inside ${DEFAULT_ALLOWED}`,
    fatal: true,
  }
}
