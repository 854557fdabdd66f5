/**
 * Parsers for `VBoxManage list …` and `snapshot … list --machinereadable`. They read only what they
 * recognise: output differs between releases and platforms (Windows adapter names hold spaces and
 * `#2`; `list hostonlynets` puts a blank line inside a record), so records start at `Name:` rather
 * than at blank lines.
 */
import { parseMachineReadable } from './machine-readable.js'
import { splitLines } from './vbox-error.js'

export interface VmListEntry {
  name: string
  uuid: string
}

/** `list vms` / `list runningvms`: `"NAME" {uuid}` per line, in registration order. */
export function parseVmList(output: string): VmListEntry[] {
  return splitLines(output).flatMap((line) => {
    const m = /^"(.*)" \{([0-9a-fA-F-]+)\}\s*$/.exec(line)
    return m ? [{ name: m[1]!, uuid: m[2]! }] : []
  })
}

/** `Label:   value` records, a new one at each `first:` line (labels may hold spaces: `Parent UUID:`). */
function parseRecords(output: string, first = 'Name'): Array<Record<string, string>> {
  const records: Array<Record<string, string>> = []
  let current: Record<string, string> | undefined
  for (const line of splitLines(output)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9 ]*?):\s*(.*?)\s*$/.exec(line)
    if (!m) continue
    if (m[1] === first) {
      current = {}
      records.push(current)
    }
    if (current) current[m[1]!] = m[2]!
  }
  return records
}

export interface HostOnlyInterface {
  name: string
  ip: string
  netmask: string
  dhcp: boolean
  status?: string
}

/** `list hostonlyifs` (Windows, Linux, macOS up to 6.x). */
export function parseHostOnlyIfs(output: string): HostOnlyInterface[] {
  return parseRecords(output).map((r) => ({
    name: r.Name ?? '',
    ip: r.IPAddress ?? '',
    netmask: r.NetworkMask ?? '',
    dhcp: r.DHCP === 'Enabled',
    ...(r.Status === undefined ? {} : { status: r.Status }),
  }))
}

export interface HostOnlyNetwork {
  name: string
  netmask: string
  lowerIp: string
  upperIp: string
  enabled: boolean
}

/** `list hostonlynets` (VirtualBox 7 on macOS). */
export function parseHostOnlyNets(output: string): HostOnlyNetwork[] {
  return parseRecords(output).map((r) => ({
    name: r.Name ?? '',
    netmask: r.NetworkMask ?? '',
    lowerIp: r.LowerIP ?? '',
    upperIp: r.UpperIP ?? '',
    enabled: r.State === 'Enabled',
  }))
}

export interface HardDisk {
  uuid: string
  /** Undefined for a base image (VirtualBox prints `base`). */
  parent?: string
  location: string
}

/** `list hdds`: every registered disk image, parents before their children. */
export function parseHdds(output: string): HardDisk[] {
  return parseRecords(output, 'UUID').map((r) => {
    const parent = r['Parent UUID']
    const disk: HardDisk = { uuid: r.UUID ?? '', location: r.Location ?? '' }
    if (parent !== undefined && /^[0-9a-fA-F-]{36}$/.test(parent)) disk.parent = parent
    return disk
  })
}

export interface DvdImage {
  uuid: string
  location: string
}

/** `list dvds`: every registered DVD image, also those whose file is gone. */
export function parseDvds(output: string): DvdImage[] {
  return parseRecords(output, 'UUID').map((r) => ({ uuid: r.UUID ?? '', location: r.Location ?? '' }))
}

export interface SnapshotTree {
  /** Depth first, as VirtualBox prints them: along one chain, oldest first. */
  names: string[]
  current?: string
}

/** `snapshot VM list --machinereadable`: SnapshotName, SnapshotName-1, SnapshotName-1-1, … */
export function parseSnapshotList(output: string): SnapshotTree {
  const entries = parseMachineReadable(output)
  const names = entries.filter((e) => /^SnapshotName(-\d+)*$/.test(e.key)).map((e) => e.value)
  const current = entries.find((e) => e.key === 'CurrentSnapshotName')?.value
  return current === undefined ? { names } : { names, current }
}

/** `snapshot VM list` says this on stdout, with exit code 1, when there is nothing to list. */
export function saysNoSnapshots(output: string): boolean {
  return /does not have any snapshots/i.test(output)
}
