/**
 * Where a lab's libvirt VMs live: a host (a connection URI), the storage pool on it, and optionally a network
 * the host's admin made instead of the one vmlab defines per lab. A class spreads its instances over several
 * such hosts, each with its capacity (`hostCapacity`); one LibvirtProvider drives one host.
 */
export interface LibvirtSettings {
  /** qemu:///system, qemu+ssh://user@host/system, test:///default (libvirt's in-process test driver). */
  uri: string
  pool: string
  /** Use this existing network (left in place by destroy) instead of defining `vmlab-<lab>`. */
  network?: string
}

export const LIBVIRT_DEFAULTS: LibvirtSettings = { uri: 'qemu:///system', pool: 'default' }

/** A host of a class: its settings and what it may hold. */
export interface LibvirtHost extends LibvirtSettings {
  capacity: { cpus: number; memoryMiB: number }
}

/** The URI schemes vmlab drives; others (xen://, lxc://) run no QEMU guests. */
export function uriProblem(uri: string): string | undefined {
  if (/^(qemu(\+ssh|\+unix|\+tls|\+tcp)?:\/\/[^\s]*\/(system|session)(\?.*)?|test:\/\/\/[^\s]+)$/.test(uri)) return undefined
  return 'a libvirt URI is qemu:///system, qemu+ssh://USER@HOST/system or test:///default'
}
