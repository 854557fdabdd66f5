/**
 * QEMU runs both: a guest of the host's own architecture with its accelerator (KVM, HVF, WHPX), the other one
 * emulated by TCG, which works but installs an EL base in hours rather than minutes.
 */
import type { ArchSupport, Arch } from '../../lab/arch.js'

export function qemuArches(): Record<Arch, ArchSupport> {
  return { x86_64: { runs: true }, aarch64: { runs: true } }
}
