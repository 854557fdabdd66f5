/**
 * The UEFI firmware an aarch64 guest boots (the `virt` machine has no BIOS): edk2's ArmVirtQemu build as two
 * pflash images, the code (read-only, shared) and a variable store each VM gets a copy of, where the
 * installer records its boot entry. Where the packages put them:
 *   Debian/Ubuntu qemu-efi-aarch64: /usr/share/AAVMF/AAVMF_CODE.fd + AAVMF_VARS.fd (64 MiB each, pflash-sized)
 *   QEMU's own install (Homebrew, MacPorts, Windows): <prefix>/share/qemu/edk2-aarch64-code.fd + edk2-arm-vars.fd
 *   Fedora/EL edk2-aarch64: /usr/share/edk2/aarch64/QEMU_EFI-pflash.raw + vars-template-pflash.raw
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

export interface Firmware {
  code: string
  /** The empty variable store a VM's own copy is made from. */
  varsTemplate: string
}

/** Candidates, best first: the one next to the QEMU binary in use, then the distributions' packages. */
export function firmwareCandidates(qemuBinary: string): Firmware[] {
  const share = join(dirname(dirname(qemuBinary)), 'share', 'qemu')
  return [
    { code: join(share, 'edk2-aarch64-code.fd'), varsTemplate: join(share, 'edk2-arm-vars.fd') },
    { code: '/usr/share/AAVMF/AAVMF_CODE.fd', varsTemplate: '/usr/share/AAVMF/AAVMF_VARS.fd' },
    { code: '/usr/share/edk2/aarch64/QEMU_EFI-pflash.raw', varsTemplate: '/usr/share/edk2/aarch64/vars-template-pflash.raw' },
    { code: '/opt/homebrew/share/qemu/edk2-aarch64-code.fd', varsTemplate: '/opt/homebrew/share/qemu/edk2-arm-vars.fd' },
    { code: '/usr/local/share/qemu/edk2-aarch64-code.fd', varsTemplate: '/usr/local/share/qemu/edk2-arm-vars.fd' },
  ]
}

export function findFirmware(qemuBinary: string, exists: (path: string) => boolean = existsSync): Firmware | undefined {
  return firmwareCandidates(qemuBinary).find((f) => exists(f.code) && exists(f.varsTemplate))
}

export const NO_FIRMWARE_FIX = 'install the aarch64 UEFI firmware (Debian/Ubuntu: apt install qemu-efi-aarch64; Fedora: dnf install edk2-aarch64; macOS: brew install qemu ships it)'

/** What the plan shows when the firmware is not installed where it is made. */
export const PLANNED_FIRMWARE: Firmware = { code: '/usr/share/AAVMF/AAVMF_CODE.fd', varsTemplate: '/usr/share/AAVMF/AAVMF_VARS.fd' }
