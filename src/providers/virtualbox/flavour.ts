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
