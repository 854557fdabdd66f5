/**
 * QEMU runs both: a guest of the host's own architecture with its accelerator (KVM, HVF, WHPX), the other one
 * emulated by TCG, which works but installs an EL base in hours rather than minutes.
 */
import type { ArchSupport, Arch } from '../../lab/arch.js'
import type { HostPlatform } from '../../util/host-platform.js'
import type { AccelChoice } from './accel.js'

export function qemuArches(): Record<Arch, ArchSupport> {
  return { x86_64: { runs: true }, aarch64: { runs: true } }
}

/**
 * The accelerator of an aarch64 guest: HVF on Apple Silicon (its own CPU), TCG elsewhere (emulated; on an
 * x86-64 host an EL install then takes hours). VMLAB_QEMU_ACCEL still forces one (kvm on an arm64 Linux host).
 */
export function aarch64Accel(host: HostPlatform, env: NodeJS.ProcessEnv): AccelChoice {
  const forced = env.VMLAB_QEMU_ACCEL
  if (forced === 'kvm' || forced === 'tcg' || forced === 'hvf') return { accel: forced }
  if (host.platform === 'darwin' && host.arch === 'arm64') return { accel: 'hvf' }
  return {
    accel: 'tcg',
    note: `aarch64 guests on this ${host.arch === 'arm64' ? 'arm64' : 'x86-64'} host are emulated (TCG), about 10-50x slower than on Apple Silicon with HVF${host.arch === 'arm64' ? ' (set VMLAB_QEMU_ACCEL=kvm where /dev/kvm works)' : ''}`,
  }
}

/** An x86-64 guest on an ARM host: TCG, whatever the host has (VMLAB_QEMU_ACCEL=tcg is the only one that works). */
export function x86OnArmAccel(env: NodeJS.ProcessEnv): AccelChoice {
  if (env.VMLAB_QEMU_ACCEL === 'tcg') return { accel: 'tcg' }
  return {
    accel: 'tcg',
    note: 'x86_64 guests on this arm64 host are emulated (TCG): an EL install takes hours; arch: aarch64 runs them on the host CPU (HVF on Apple Silicon)',
  }
}
