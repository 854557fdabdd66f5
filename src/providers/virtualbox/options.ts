/** How a VirtualBoxProvider is set up; every default can be replaced (tests make the waits short). */
import { realRunner, type CliRunner } from '../cli-runner.js'
import { locateVBoxManage } from '../locate.js'
import { LOCK_RETRY, type RetryPolicy } from '../../util/retry.js'
import { DEFAULT_NETWORKS_CONF } from './networks-conf.js'
import { loopbackPortFree } from './ports.js'
import { claimPort } from '../../state/port-claims.js'

export interface VirtualBoxOptions {
  /** Runs VBoxManage: realRunner, or a RecordingRunner for `lab plan --commands`. */
  runner?: CliRunner
  /** VBoxManage to run; found on PATH and in the install folders when left out. */
  binary?: string
  env?: NodeJS.ProcessEnv
  /** The platform VirtualBox runs on (spellings, networks.conf, hints); this one by default. */
  platform?: NodeJS.Platform
  /** Its CPU architecture; this machine's by default. */
  arch?: string
  /** The lab's guests (the lab's arch): aarch64 makes ARM VMs (VirtualBox 7.1 on Apple Silicon). */
  guestArch?: 'x86_64' | 'aarch64'
  /**
   * Where VMs are created (`--basefolder`); `$VMLAB_VBOX_VM_FOLDER` by default, else VirtualBox's own
   * default machine folder. Either way VirtualBox adds the `/vmlab` group as a subfolder.
   */
  vmFolder?: string
  /** The host-only range file; `$VMLAB_VBOX_NETWORKS_CONF` or /etc/vbox/networks.conf. */
  networksConf?: string
  /** The lab network, so that detect() can check it against networks.conf before anything is created. */
  labNetwork?: { cidr: string; prefix: number; hostIp: string }
  /** Retries of transient (locked / not ready) errors: back-off from 0.5 s up to 4 s, for 30 s in all by default. */
  retry?: Partial<RetryPolicy>
  /** Between two looks at a VM's state (default 1 s). */
  pollIntervalMs?: number
  /** How long a guest gets to shut down after the ACPI power button before it is powered off (default 60 s). */
  stopTimeoutMs?: number
  /** From `startvm` of the installer to typing at its boot menu (default 10 s, Packer's boot_wait). */
  bootWaitMs?: number
  /** Between the key groups typed at the boot menu (default 0.5 s). */
  keyDelayMs?: number
  /** The first host port tried for SSH forwards (default 2222, Vagrant's). */
  sshPortBase?: number
  /** Whether a host port is free; binds 127.0.0.1 by default. */
  portFree?: (port: number) => Promise<boolean>
  /** Claims a free port against other `lab` processes on this host (state/port-claims.ts by default). */
  claimPort?: (port: number) => boolean
}

export interface ResolvedOptions {
  runner: CliRunner
  binary: string | undefined
  platform: NodeJS.Platform
  arch: string
  guestArch: 'x86_64' | 'aarch64'
  vmFolder: string | undefined
  networksConf: string
  labNetwork: { cidr: string; prefix: number; hostIp: string } | undefined
  retry: RetryPolicy
  pollIntervalMs: number
  stopTimeoutMs: number
  bootWaitMs: number
  keyDelayMs: number
  sshPortBase: number
  portFree: (port: number) => Promise<boolean>
  claimPort: (port: number) => boolean
}

export function resolveOptions(o: VirtualBoxOptions): ResolvedOptions {
  const env = o.env ?? process.env
  return {
    runner: o.runner ?? realRunner,
    binary: o.binary ?? locateVBoxManage(env),
    platform: o.platform ?? process.platform,
    arch: o.arch ?? process.arch,
    guestArch: o.guestArch ?? 'x86_64',
    vmFolder: o.vmFolder ?? (env.VMLAB_VBOX_VM_FOLDER || undefined),
    networksConf: o.networksConf ?? (env.VMLAB_VBOX_NETWORKS_CONF || DEFAULT_NETWORKS_CONF),
    labNetwork: o.labNetwork,
    retry: { ...LOCK_RETRY, ...o.retry },
    pollIntervalMs: o.pollIntervalMs ?? 1000,
    stopTimeoutMs: o.stopTimeoutMs ?? 60_000,
    bootWaitMs: o.bootWaitMs ?? 10_000,
    keyDelayMs: o.keyDelayMs ?? 500,
    sshPortBase: o.sshPortBase ?? 2222,
    portFree: o.portFree ?? loopbackPortFree,
    claimPort: o.claimPort ?? ((port) => claimPort(port)),
  }
}
