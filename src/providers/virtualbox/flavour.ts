/**
 * What differs between the VirtualBox releases and host platforms we drive, in one place (Vagrant keeps
 * these in its per-version driver files). Everything else uses the spellings that 6.1 and 7.x both
 * accept: 7.x added dashed aliases (`--nic-type`, `--mac-address`, `--nat-pf`) but kept the old ones.
 */
import type { VBoxVersion } from './version.js'

export interface VBoxFlavour {
  version: VBoxVersion
  /** The platform VirtualBox runs on. */
  hostOs: NodeJS.Platform
  /** The lab's guests: aarch64 ones are VirtualBox 7.1's ARM platform (Apple Silicon), x86_64 when left out. */
  guestArch?: 'x86_64' | 'aarch64'
}

/** The first release with ARM VMs (the macOS/arm64 build; 7.0's was an unsupported developer preview). */
export const ARM_SINCE = { major: 7, minor: 1 } as const

function arm(f: Pick<VBoxFlavour, 'guestArch'>): boolean {
  return f.guestArch === 'aarch64'
}

/** createvm's platform: 7.1 makes x86 VMs unless told `--platform-architecture arm`, and the choice is fixed for the VM's life. */
export function platformArgs(f: Pick<VBoxFlavour, 'guestArch'>): string[] {
  return arm(f) ? ['--platform-architecture', 'arm'] : []
}

/** The firmware: a PC boots BIOS (the isolinux menu); the ARM platform has UEFI only, and its own chipset. */
export function firmwareArgs(f: Pick<VBoxFlavour, 'guestArch'>): string[] {
  return arm(f) ? ['--firmware', 'efi', '--chipset', 'armv8virtual'] : ['--firmware', 'bios']
}

/**
 * The devices: a PC has an I/O APIC and VMSVGA; ARM has neither (both are x86 devices), a RAM framebuffer
 * instead, and USB keyboard and mouse (no PS/2).
 */
export function deviceArgs(f: Pick<VBoxFlavour, 'guestArch'>): string[] {
  return arm(f)
    ? ['--rtcuseutc', 'on', '--graphicscontroller', 'qemuramfb', '--usb-xhci', 'on', '--keyboard', 'usb', '--mouse', 'usb']
    : ['--ioapic', 'on', '--rtcuseutc', 'on', '--graphicscontroller', 'vmsvga']
}

/** The NIC model: Intel PRO/1000 on a PC (every EL kernel drives it), virtio-net on ARM (built into the EL aarch64 kernels). */
export function nicType(f: Pick<VBoxFlavour, 'guestArch'>): string {
  return arm(f) ? 'virtio' : '82540EM'
}

export interface StorageController {
  name: string
  add: string
  controller: string
}

/** The disc controller: AHCI on a PC; virtio-scsi on ARM, which has no PC storage controllers. */
export function storageController(f: Pick<VBoxFlavour, 'guestArch'>): StorageController {
  return arm(f) ? { name: 'VirtioSCSI', add: 'virtio-scsi', controller: 'VirtIO' } : { name: 'SATA', add: 'sata', controller: 'IntelAhci' }
}

/** The guest OS type: 7.1's ARM platform has its own ids (RedHat_arm64); the x86 ones exist in every 6.1/7.x. */
export function osTypeFor(f: Pick<VBoxFlavour, 'guestArch'>, x86: string): string {
  return arm(f) ? x86.replace(/_64$/, '_arm64') : x86
}

/** VirtualBox 7 on macOS has host-only *networks* (vmnet) instead of vboxnetN interfaces. */
export function usesHostOnlyNetworks(f: VBoxFlavour): boolean {
  return f.hostOs === 'darwin' && f.version.major >= 7
}

/** Only Linux and macOS host-only interfaces are limited to the ranges of /etc/vbox/networks.conf. */
export function checksNetworksConf(f: VBoxFlavour): boolean {
  return (f.hostOs === 'linux' || f.hostOs === 'darwin') && !usesHostOnlyNetworks(f)
}

/** 7.0 replaced `--audio none` with `--audio-enabled off` (the old option is deprecated there). */
export function audioOffArgs(f: VBoxFlavour): string[] {
  return f.version.major >= 7 ? ['--audio-enabled', 'off'] : ['--audio', 'none']
}

/** Attach NIC `n` to the lab network (an interface name, or a host-only network name on macOS 7). */
export function hostOnlyNicArgs(f: VBoxFlavour, n: number, network: string): string[] {
  return usesHostOnlyNetworks(f) ? [`--nic${n}`, 'hostonlynet', `--host-only-net${n}`, network] : [`--nic${n}`, 'hostonly', `--hostonlyadapter${n}`, network]
}
