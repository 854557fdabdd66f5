/** What `showvminfo VM --machinereadable` tells us, and how its VMState maps to the provider's states. */
import type { VmState } from '../provider.js'
import { parseMachineReadable, firstValue, type Entry } from './machine-readable.js'

export interface NatForward {
  name: string
  protocol: string
  hostIp: string
  hostPort: number
  guestIp: string
  guestPort: number
}

export interface NicInfo {
  /** nat, hostonly, hostonlynetwork, bridged, intnet, null, none, … */
  attachment: string
  /** 12 upper-case hex digits, as VirtualBox prints it. */
  mac?: string
  hostOnlyAdapter?: string
  hostOnlyNetwork?: string
  type?: string
  forwards: NatForward[]
}

export interface VmInfo {
  name?: string
  uuid?: string
  /** VMState as printed: poweroff, running, saved, aborted, gurumeditation, … */
  state: string
  /** The .vbox settings file; its folder holds the disks and Logs/VBox.log. */
  cfgFile?: string
  nics: Map<number, NicInfo>
  /** "SATA-0-0" → medium path, "none" or "emptydrive". */
  storage: Map<string, string>
  currentSnapshot?: string
}

/** `name,tcp,hostip,hostport,guestip,guestport` (VirtualBox does not escape commas in names). */
export function parseForward(value: string): NatForward | undefined {
  const parts = value.split(',')
  if (parts.length < 6) return undefined
  const [guestPort, guestIp, hostPort, hostIp, protocol] = parts.splice(-5).reverse()
  return {
    name: parts.join(','),
    protocol: protocol!,
    hostIp: hostIp!,
    hostPort: Number(hostPort),
    guestIp: guestIp!,
    guestPort: Number(guestPort),
  }
}

function nic(nics: Map<number, NicInfo>, n: number): NicInfo {
  let found = nics.get(n)
  if (!found) {
    found = { attachment: 'none', forwards: [] }
    nics.set(n, found)
  }
  return found
}

function collectNics(entries: readonly Entry[]): Map<number, NicInfo> {
  const nics = new Map<number, NicInfo>()
  // Forwarding(i) carries no NIC number (its index restarts per NIC): it belongs to the NIC printed last.
  let current = 1
  for (const { key, value } of entries) {
    const m = /^(nic|macaddress|hostonlyadapter|hostonly-network|nictype|natnet)(\d+)$/.exec(key)
    if (m) {
      const n = Number(m[2])
      const info = nic(nics, n)
      current = n
      if (m[1] === 'nic') info.attachment = value
      else if (m[1] === 'macaddress') info.mac = value.toUpperCase()
      else if (m[1] === 'hostonlyadapter') info.hostOnlyAdapter = value
      else if (m[1] === 'hostonly-network') info.hostOnlyNetwork = value
      else if (m[1] === 'nictype') info.type = value
      continue
    }
    if (/^Forwarding\(\d+\)$/.test(key)) {
      const forward = parseForward(value)
      if (forward) nic(nics, current).forwards.push(forward)
    }
  }
  return nics
}

function collectStorage(entries: readonly Entry[]): Map<string, string> {
  const controllers = entries.filter((e) => /^storagecontrollername\d+$/.test(e.key)).map((e) => e.value)
  const storage = new Map<string, string>()
  for (const { key, value } of entries) {
    const m = /^(.*)-(\d+)-(\d+)$/.exec(key)
    if (m && controllers.includes(m[1]!)) storage.set(key, value)
  }
  return storage
}

export function parseVmInfo(output: string): VmInfo {
  const entries = parseMachineReadable(output)
  const info: VmInfo = {
    state: firstValue(entries, 'VMState') ?? 'unknown',
    nics: collectNics(entries),
    storage: collectStorage(entries),
  }
  const name = firstValue(entries, 'name')
  const uuid = firstValue(entries, 'UUID')
  const cfgFile = firstValue(entries, 'CfgFile')
  const current = firstValue(entries, 'CurrentSnapshotName')
  if (name !== undefined) info.name = name
  if (uuid !== undefined) info.uuid = uuid
  if (cfgFile !== undefined) info.cfgFile = cfgFile
  if (current !== undefined) info.currentSnapshot = current
  return info
}

/**
 * VirtualBox's VMState as one of the provider's states. A guru meditation halts the VM like a pause
 * (its process still holds the session), so it needs a power-off like a paused VM.
 */
export function toVmState(vmState: string): VmState {
  switch (vmState) {
    case 'poweroff':
    case 'teleported':
      return 'poweroff'
    case 'running':
      return 'running'
    case 'paused':
    case 'gurumeditation':
      return 'paused'
    case 'saved':
      return 'saved'
    case 'aborted':
    case 'aborted-saved':
      return 'aborted'
    default:
      return 'busy'
  }
}
