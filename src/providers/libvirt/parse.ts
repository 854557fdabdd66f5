/** virsh's printed answers, read. The formats are libvirt 9's (Debian 12), LANG=C. */
import type { VmState } from '../provider.js'

/** `domstate`: running, idle, paused, in shutdown, shut off, crashed, pmsuspended. */
export function parseDomstate(stdout: string): VmState {
  const s = stdout.trim().split('\n')[0]?.trim() ?? ''
  switch (s) {
    case 'running':
    case 'idle':
      return 'running'
    case 'paused':
    case 'pmsuspended':
      return 'paused'
    case 'shut off':
      return 'poweroff'
    case 'crashed':
      return 'aborted'
    case 'in shutdown':
    case 'dying':
      return 'busy'
    default:
      return 'busy'
  }
}

/** `list --all --name`, `snapshot-list --name`, `net-list --name`: one name a line, a blank line at the end. */
export function parseNames(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
}

/** `vol-list POOL` (without -q a header and a rule come first): the volumes' names. */
export function parseVolList(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^\s*Name\s+Path\s*$/.test(l) && !/^-+$/.test(l.trim()))
    .map((l) => l.trim().split(/\s+/)[0]!)
}

/**
 * `domifaddr` and `net-dhcp-leases`: the IPv4 address given to a MAC. domifaddr prints
 * ` vnet0      52:54:00:12:34:56    ipv4         192.168.122.3/24`; net-dhcp-leases
 * ` 2026-12-07 23:10:01   52:54:00:12:34:56   ipv4       192.168.122.200/24   node1   ff:00:…`.
 */
export function addressOf(stdout: string, mac: string): string | undefined {
  const want = mac.toLowerCase()
  for (const line of stdout.split('\n')) {
    const cols = line.trim().split(/\s+/)
    const i = cols.findIndex((c) => c.toLowerCase() === want)
    if (i < 0) continue
    const ip = cols.slice(i + 1).find((c) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c))
    if (ip) return ip.split('/')[0]
  }
  return undefined
}

/** `nodeinfo`: `CPU(s):              4` and `Memory size:         8155460 KiB`. */
export function parseNodeinfo(stdout: string): { cpus: number; memoryMiB: number } {
  const cpus = Number(/^CPU\(s\):\s+(\d+)/m.exec(stdout)?.[1] ?? 0)
  const kib = Number(/^Memory size:\s+(\d+) KiB/m.exec(stdout)?.[1] ?? 0)
  return { cpus, memoryMiB: Math.floor(kib / 1024) }
}

/** `freecell --all`: the last line `--------------------\n  Total: 5872348 KiB`. */
export function parseFreeMemoryMiB(stdout: string): number {
  const kib = Number(/Total:\s+(\d+) KiB/.exec(stdout)?.[1] ?? /:\s+(\d+) KiB\s*$/m.exec(stdout)?.[1] ?? 0)
  return Math.floor(kib / 1024)
}

/** `version`: `Using library: libvirt 9.0.0` and `Running hypervisor: QEMU 7.2.0` (absent on the test driver's). */
export function parseVersion(stdout: string): { library: string; hypervisor?: string } {
  const library = /Using library: libvirt (\S+)/.exec(stdout)?.[1] ?? 'unknown'
  const hv = /Running hypervisor: (.+)$/m.exec(stdout)?.[1]?.trim()
  return hv ? { library, hypervisor: hv } : { library }
}
