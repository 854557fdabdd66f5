/** Provider name → implementation, loaded on first use so a lab on one hypervisor never loads the others. */
import type { ProviderName } from '../lab/schema.js'
import type { ResolvedLab } from '../lab/resolve.js'
import type { Provider } from './provider.js'
import type { CliRunner } from './cli-runner.js'
import { labKey } from '../lab/instance.js'
import { hostPlatform } from '../util/host-platform.js'

export interface ProviderOptions {
  /** The lab's state folder. */
  stateDir: string
  lab: ResolvedLab
  /** realRunner by default; a RecordingRunner for `lab plan --commands`. */
  runner?: CliRunner
}

export async function createProvider(name: ProviderName, opts: ProviderOptions): Promise<Provider> {
  const runner = opts.runner ? { runner: opts.runner } : {}
  const net = opts.lab.network
  // The machine the hypervisor runs on, as VMLAB_HOST may give another (`lab plan` for a student's Mac).
  const h = hostPlatform()
  const host = { platform: h.platform, arch: h.arch }
  switch (name) {
    case 'virtualbox': {
      const { VirtualBoxProvider } = await import('./virtualbox/provider.js')
      return new VirtualBoxProvider({ ...runner, labNetwork: { cidr: net.cidr, prefix: net.prefix, hostIp: net.hostIp }, guestArch: opts.lab.os.arch, ...host })
    }
    case 'vmware': {
      const { VMwareProvider } = await import('./vmware/provider.js')
      return new VMwareProvider({ ...runner, labCidr: net.cidr, guestArch: opts.lab.os.arch, ...host })
    }
    case 'qemu': {
      const { QemuProvider } = await import('./qemu/provider.js')
      // The lab × instance key: the switch, like every name of an instance, is its own.
      return new QemuProvider({ ...runner, lab: labKey(opts.lab), arch: opts.lab.os.arch, host: h })
    }
    case 'libvirt': {
      const { LibvirtProvider } = await import('./libvirt/provider.js')
      // An instance placed on a class host drives that host (its URI) with the lab file's pool and network.
      const settings = { ...opts.lab.libvirt, ...(opts.lab.connection !== undefined ? { uri: opts.lab.connection } : {}) }
      return new LibvirtProvider({ ...runner, lab: labKey(opts.lab), stateDir: opts.stateDir, settings })
    }
    case 'proxmox': {
      const { ProxmoxProvider } = await import('./proxmox/provider.js')
      // An instance placed on a class host (a cluster node) has its clones go to that node only.
      const settings = opts.lab.proxmox && opts.lab.connection !== undefined ? { ...opts.lab.proxmox, nodes: [opts.lab.connection] } : opts.lab.proxmox
      // A student's instance gets their own pool and @pve user (students.ts), recorded in its state directory.
      return new ProxmoxProvider({ ...runner, settings, ...(opts.lab.instance !== undefined ? { student: { id: opts.lab.instance, stateDir: opts.stateDir } } : {}) })
    }
  }
}

/** What a machine where nothing exists yet would answer each provider's CLI (for `lab plan --commands`). */
export async function freshMachine(name: ProviderName) {
  switch (name) {
    case 'virtualbox':
      return (await import('./virtualbox/fresh-machine.js')).freshMachine
    case 'vmware':
      return (await import('./vmware/fresh-machine.js')).freshMachine
    case 'qemu':
      return (await import('./qemu/fresh-machine.js')).freshMachine
    case 'libvirt':
      return (await import('./libvirt/fresh-machine.js')).freshMachine
    case 'proxmox':
      return (await import('./proxmox/fresh-machine.js')).freshMachine
  }
}

/**
 * `lab image build`: the builder of the image an OS is built as (for the provider whose guests of that OS are
 * images), loaded on first use; undefined for an OS no provider builds.
 */
export async function imageBuilder(os: string) {
  switch (os) {
    case 'debian12':
      return (await import('./qemu/image-debian.js')).buildDebianImage
    default:
      return undefined
  }
}
