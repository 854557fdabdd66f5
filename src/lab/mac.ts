/**
 * The lab NIC's MAC per node. Fixed (not random) so that a rebuilt lab keeps its addresses, and inside the
 * range each hypervisor accepts: VirtualBox's own OUI, VMware's static range 00:50:56:00-3F, QEMU's 52:54:00.
 */
import { createHash } from 'node:crypto'
import type { ProviderName } from './schema.js'

const PREFIX: Record<ProviderName, [number, number, number]> = {
  virtualbox: [0x08, 0x00, 0x27],
  vmware: [0x00, 0x50, 0x56],
  qemu: [0x52, 0x54, 0x00],
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0')
}

/** Derived from the lab name (so two labs on one host differ) and the node's address (unique in the lab). */
export function labMac(provider: ProviderName, labName: string, ip: number): string {
  const h = createHash('sha256').update(labName).digest()
  const fourth = provider === 'vmware' ? h[0]! & 0x3f : h[0]!
  return [...PREFIX[provider], fourth, (ip >>> 8) & 0xff, ip & 0xff].map(hex).join(':')
}

export function normalizeMac(mac: string): string {
  return mac.toLowerCase()
}

export function isUnicast(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 0
}

/** Why a MAC cannot be used with this provider, or undefined when it can. */
export function macProblem(provider: ProviderName, mac: string): string | undefined {
  if (!isUnicast(mac)) return 'is a multicast address (the first byte must be even)'
  if (provider === 'vmware') {
    const b = mac.toLowerCase().split(':')
    if (b[0] !== '00' || b[1] !== '50' || b[2] !== '56' || parseInt(b[3]!, 16) > 0x3f) {
      return 'is outside the static range VMware accepts (00:50:56:00:00:00 to 00:50:56:3f:ff:ff)'
    }
  }
  return undefined
}
