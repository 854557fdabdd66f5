/**
 * The lab NIC's MAC per node. Fixed (not random) so that a rebuilt lab keeps its addresses, and inside the
 * range the hypervisor accepts, which each provider states (`macs` in its capabilities).
 */
import { createHash } from 'node:crypto'

/** The MACs a hypervisor takes for a NIC it is given. */
export interface MacRange {
  /** The first three bytes of every MAC derived for it (its own OUI, or the one it reserves for guests). */
  oui: readonly [number, number, number]
  /** The largest fourth byte it takes: 0xff, or less where only part of the OUI is static (VMware: 0x3f). */
  fourthMax: number
  /** Set when a MAC given outside the range is refused: the range's name in the message ("the static range VMware accepts"). */
  enforced?: string
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0')
}

/** Derived from the lab name (so two labs on one host differ) and the node's address (unique in the lab). */
export function labMac(range: MacRange, labName: string, ip: number): string {
  const h = createHash('sha256').update(labName).digest()
  const fourth = h[0]! % (range.fourthMax + 1)
  return [...range.oui, fourth, (ip >>> 8) & 0xff, ip & 0xff].map(hex).join(':')
}

export function normalizeMac(mac: string): string {
  return mac.toLowerCase()
}

export function isUnicast(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 0
}

/**
 * Why a MAC cannot be used, or undefined when it can: every MAC must be unicast, and one given for a hypervisor
 * that enforces its range must lie in it. Without a range (the hypervisor is not known yet) only the first holds.
 */
export function macProblem(range: MacRange | undefined, mac: string): string | undefined {
  if (!isUnicast(mac)) return 'is a multicast address (the first byte must be even)'
  if (range?.enforced !== undefined) {
    const b = mac
      .toLowerCase()
      .split(':')
      .map((x) => parseInt(x, 16))
    if (b[0] !== range.oui[0] || b[1] !== range.oui[1] || b[2] !== range.oui[2] || b[3]! > range.fourthMax) {
      const low = [...range.oui, 0, 0, 0].map(hex).join(':')
      const high = [...range.oui, range.fourthMax, 0xff, 0xff].map(hex).join(':')
      return `is outside ${range.enforced} (${low} to ${high})`
    }
  }
  return undefined
}
