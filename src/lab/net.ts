/** IPv4 arithmetic for the lab network. Addresses are unsigned 32-bit numbers. */
import { excerpt } from './excerpt.js'

export interface Cidr {
  network: number
  prefix: number
  text: string
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/

export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.')
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0)
}

export function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.')
}

export function netmask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff - (2 ** (32 - prefix) - 1)) >>> 0
}

export function formatNetmask(prefix: number): string {
  return formatIPv4(netmask(prefix))
}

export type CidrProblem = { message: string; hint: string }

/** Parses `a.b.c.d/p`; a host address with bits set is a mistake we explain, not silently mask. */
export function parseCidr(text: string): Cidr | CidrProblem {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text)
  if (!m) return { message: `'${excerpt(text)}' is not a CIDR block`, hint: 'write it as address/prefix, e.g. 192.168.56.0/24' }
  const addr = parseIPv4(m[1]!)
  const prefix = Number(m[2])
  if (addr === undefined) return { message: `'${excerpt(m[1]!)}' is not an IPv4 address`, hint: 'use four numbers 0-255, e.g. 192.168.56.0/24' }
  if (prefix < 8 || prefix > 29) {
    return { message: `prefix /${prefix} is out of range`, hint: 'a lab network needs a prefix between /8 and /29; /24 is typical' }
  }
  const network = (addr & netmask(prefix)) >>> 0
  if (network !== addr) {
    return {
      message: `'${text}' has host bits set`,
      hint: `the network is ${formatIPv4(network)}/${prefix}`,
    }
  }
  return { network, prefix, text }
}

export function broadcast(c: Cidr): number {
  return (c.network + 2 ** (32 - c.prefix) - 1) >>> 0
}

export function contains(c: Cidr, ip: number): boolean {
  return (ip & netmask(c.prefix)) >>> 0 === c.network
}

/** The host's own address on the lab network (VirtualBox and VMware give the host the first one). */
export function hostAddress(c: Cidr): number {
  return c.network + 1
}

const PRIVATE: Array<[string, number]> = [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
]

export function isPrivate(c: Cidr): boolean {
  return PRIVATE.some(([net, prefix]) => c.prefix >= prefix && contains({ network: parseIPv4(net)!, prefix, text: '' }, c.network))
}
