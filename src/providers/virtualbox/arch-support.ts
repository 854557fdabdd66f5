/**
 * The guests VirtualBox runs per host CPU: an x86-64 build runs x86-64 guests, the arm64 build (macOS, since 7.1)
 * ARM guests only; neither emulates the other's CPU. The version half of the rule is preflight's (7.1 or later).
 */
import type { ArchSupport, Arch } from '../../lab/arch.js'
import { isAppleSilicon, type HostPlatform } from '../../util/host-platform.js'

export function virtualboxArches(host: HostPlatform): Record<Arch, ArchSupport> {
  if (host.arch === 'arm64') {
    return {
      x86_64: {
        runs: false,
        why: `VirtualBox on ${isAppleSilicon(host) ? 'Apple Silicon' : 'an ARM host'} runs ARM (aarch64) guests only: it does not emulate an x86-64 CPU`,
        fix: 'set arch: aarch64 (rocky9, rocky10, alma9, alma10 and centos-stream10 have aarch64 media), or use provider: qemu, which emulates x86-64 (slowly)',
      },
      aarch64: { runs: true },
    }
  }
  return {
    x86_64: { runs: true },
    aarch64: {
      runs: false,
      why: 'VirtualBox on an x86-64 host runs x86-64 guests only: it does not emulate an ARM CPU',
      fix: 'set arch: x86_64 (or leave arch out), or use provider: qemu, which emulates aarch64',
    },
  }
}
