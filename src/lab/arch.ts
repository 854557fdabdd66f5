/**
 * The guest CPU architecture of a lab, in the distributions' spelling (the ISO names, `uname -m`), and the
 * host's in the same spelling.
 */
import type { HostPlatform } from '../util/host-platform.js'

// With the OS catalog, whose help-time importers (lab iso --arch) should load no more than it.
export { ARCHES, type Arch } from './os-catalog.js'
import type { Arch } from './os-catalog.js'

/** The host's CPU as a guest architecture; undefined for one no guest of ours runs natively on (ia32, ppc64…). */
export function hostArch(host: HostPlatform): Arch | undefined {
  if (host.arch === 'x64') return 'x86_64'
  if (host.arch === 'arm64') return 'aarch64'
  return undefined
}

/** Whether a hypervisor runs guests of an architecture on a host; a refusal says why and what to do instead. */
export type ArchSupport = { runs: true } | { runs: false; why: string; fix: string }
