/**
 * Checks for the values a kickstart carries. Anaconda's parser takes any string for an IP, a
 * netmask or a host name, so a typo only shows up as a broken network after a long install:
 * both the renderer (before writing) and the checker (after) use these. The rules a lab file's own
 * values must follow are the lab's (validate applies them too), re-exported here.
 */
import { isIPv4 } from '../lab/install-values.js'

export { isIPv4, isHostname, isFqdn, isUserName, isInstallUrl, isNtpServer } from '../lab/install-values.js'

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, p) => acc * 256 + Number(p), 0)
}

/** A dotted netmask with contiguous one bits (255.255.255.0, not 255.0.255.0). */
export function isNetmask(s: string): boolean {
  if (!isIPv4(s)) return false
  const n = ipv4ToInt(s)
  const inverted = 0xffffffff - n
  // contiguous ones followed by zeros <=> the inverted mask is 2^k - 1
  return n !== 0 && (inverted & (inverted + 1)) === 0
}

export function prefixToNetmask(prefix: number): string {
  if (!Number.isInteger(prefix) || prefix < 1 || prefix > 32) throw new RangeError(`bad prefix length ${prefix}`)
  const n = prefix === 32 ? 0xffffffff : 0xffffffff - (2 ** (32 - prefix) - 1)
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.')
}

export function sameSubnet(a: string, b: string, netmask: string): boolean {
  const m = ipv4ToInt(netmask)
  // bitwise AND on unsigned 32-bit values; >>> 0 keeps them unsigned
  return (ipv4ToInt(a) & m) >>> 0 === (ipv4ToInt(b) & m) >>> 0
}

/** The address is the network or broadcast address of its subnet (not usable for a host). */
export function isNetworkOrBroadcast(ip: string, netmask: string): boolean {
  const m = ipv4ToInt(netmask)
  if (m === 0xffffffff || m === 0xfffffffe) return false
  const host = ipv4ToInt(ip) - ((ipv4ToInt(ip) & m) >>> 0)
  return host === 0 || host === 0xffffffff - m
}

export function isMac(s: string): boolean {
  return /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(s)
}

/** Public key types and how many SSH wire-format strings their blob holds (type included). */
const SSH_KEY_FIELDS: Record<string, number> = {
  'ssh-ed25519': 2,
  'ssh-rsa': 3,
  'ecdsa-sha2-nistp256': 3,
  'ecdsa-sha2-nistp384': 3,
  'ecdsa-sha2-nistp521': 3,
  'sk-ssh-ed25519@openssh.com': 3,
  'sk-ecdsa-sha2-nistp256@openssh.com': 4,
}

/**
 * One OpenSSH public key line: type, base64 blob, optional comment. The blob is walked field
 * by field, which catches keys that were cut or wrapped when pasted.
 */
export function isSshPublicKey(s: string): boolean {
  const m = /^(\S+) ([A-Za-z0-9+/]+={0,3})(?: [^\r\n]*)?$/.exec(s)
  const type = m?.[1] as string
  const fields = SSH_KEY_FIELDS[type]
  if (!m || fields === undefined) return false
  const blob = Buffer.from(m[2] as string, 'base64')
  const parts: Buffer[] = []
  let at = 0
  while (at + 4 <= blob.length) {
    const len = blob.readUInt32BE(at)
    if (at + 4 + len > blob.length) return false
    parts.push(blob.subarray(at + 4, at + 4 + len))
    at += 4 + len
  }
  if (at !== blob.length || parts.length !== fields || parts[0]?.toString('latin1') !== type) return false
  return !type.endsWith('ed25519') || parts[1]?.length === 32
}
