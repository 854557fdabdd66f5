/**
 * The guests VMware runs per host: Fusion on Apple Silicon runs arm64 guests only (VMware's own statement: it
 * does not run x86 VMs there); Workstation and Fusion on Intel Macs run x86-64 guests only.
 */
import type { ArchSupport, Arch } from '../../lab/arch.js'
import { isAppleSilicon, type HostPlatform } from '../../util/host-platform.js'

export function vmwareArches(host: HostPlatform): Record<Arch, ArchSupport> {
  if (isAppleSilicon(host)) {
    return {
      x86_64: {
        runs: false,
        why: 'VMware Fusion on Apple Silicon runs arm64 guests only: it does not run x86-64 operating systems',
        fix: 'set arch: aarch64 (rocky9, rocky10, alma9, alma10 and centos-stream10 have aarch64 media), or use provider: qemu, which emulates x86-64 (slowly)',
      },
      aarch64: { runs: true },
    }
  }
  const product = host.platform === 'darwin' ? 'VMware Fusion on an Intel Mac' : 'VMware Workstation'
  return {
    x86_64: { runs: true },
    aarch64: {
      runs: false,
      why: `${product} runs x86-64 guests only: it does not emulate an ARM CPU`,
      fix: 'set arch: x86_64 (or leave arch out), or use provider: qemu, which emulates aarch64',
    },
  }
}
