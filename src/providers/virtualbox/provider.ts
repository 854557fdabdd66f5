/**
 * The VirtualBox provider: the lab actions, spelled as VBoxManage commands through the driver. Version
 * and platform differences live in flavour.ts; the base install in create-base.ts; the host-only
 * network in network.ts.
 *
 * SSH goes through a NAT port forward on 127.0.0.1 rather than to the node's host-only address, like
 * Vagrant does: the host-only address is reachable from Linux and Windows hosts, but VPN clients,
 * host firewalls and macOS's VirtualBox 7 host-only networks get in the way often enough that the
 * forward is the channel that always works. The forwarded port is read back from the VM itself, so no
 * state outside VirtualBox has to be kept.
 */
import { dirname, join } from 'node:path'
import { formatNetmask } from '../../lab/net.js'
import { CommandTimeoutError, InputError, LabError } from '../../util/errors.js'
import type { BaseSpec, CloneSpec, Endpoint, NetworkHandle, NetworkSpec, Preflight, Provider, ProviderInfo, VmState } from '../provider.js'
import { createBaseVm, SSH_RULE, sshRule, VM_GROUP } from './create-base.js'
import { VBoxDriver } from './driver.js'
import { attachedMedia, closeDvdImages } from './dvd-images.js'
import { removeEmptyGroupFolder } from './group-folder.js'
import { hostOnlyNicArgs, storageController, usesHostOnlyNetworks, type VBoxFlavour } from './flavour.js'
import { cloneImagesOf, cloneNameOf } from './linked-clones.js'
import { ensureHostOnly, findHostOnly, networksConfPreflight, removeHostOnly } from './network.js'
import { resolveOptions, type ResolvedOptions, type VirtualBoxOptions } from './options.js'
import { PortPicker } from './ports.js'
import { installationProblems, NOT_INSTALLED, versionFailed } from './preflight.js'
import { NOT_RUNNING, VBoxError } from './vbox-error.js'
import { atLeast, shortVersion, type VBoxVersion, type VersionOutput } from './version.js'
import { closeLeftoverDisks, machineFolder, removeUnregisteredFolder, replacingUnregistered, unregisteredFolders } from './leftovers.js'
import { toVmState, type VmInfo } from './vm-info.js'
import { waitFor } from './wait.js'
import { VIRTUALBOX_CAPABILITIES } from './capabilities.js'

const SEED_PORT = 1
const OFF_STATES = ['poweroff', 'aborted', 'aborted-saved', 'saved', 'teleported']
/** How long a hard power-off may take to show in VMState. */
const POWEROFF_TIMEOUT_MS = 30_000

/** "08:00:27:aa:bb:01" → "080027AABB01", the form modifyvm takes. */
export function vboxMac(mac: string): string {
  const hex = mac.replace(/[:-]/g, '').toUpperCase()
  if (!/^[0-9A-F]{12}$/.test(hex)) throw new InputError(`'${mac}' is not a MAC address`, 'write it as six hex pairs, e.g. 08:00:27:aa:bb:01')
  return hex
}

export class VirtualBoxProvider implements Provider {
  readonly name = 'virtualbox' as const
  readonly capabilities = VIRTUALBOX_CAPABILITIES
  private readonly opts: ResolvedOptions
  private readonly driver: VBoxDriver
  private readonly ports: PortPicker

  constructor(options: VirtualBoxOptions = {}) {
    this.opts = resolveOptions(options)
    this.driver = new VBoxDriver({
      runner: this.opts.runner,
      binary: this.opts.binary ?? 'VBoxManage',
      platform: this.opts.platform,
      retry: this.opts.retry,
      storage: storageController(this.opts),
    })
    this.ports = new PortPicker(this.opts.sshPortBase, async (port) => this.driver.dryRun || ((await this.opts.portFree(port)) && this.opts.claimPort(port)))
  }

  private async flavour(): Promise<VBoxFlavour> {
    return { version: await this.driver.version(), hostOs: this.opts.platform, guestArch: this.opts.guestArch }
  }

  async detect(): Promise<ProviderInfo> {
    const info = (problems: Preflight[], version?: VBoxVersion): ProviderInfo => ({
      name: this.name,
      binary: this.driver.binary,
      version: version ? shortVersion(version) : '',
      product: version ? `VirtualBox ${version.major}.${version.minor}` : 'VirtualBox',
      problems,
    })
    if (this.opts.binary === undefined && !this.driver.dryRun) return info([NOT_INSTALLED])
    let out: VersionOutput
    try {
      out = await this.driver.versionOutput()
    } catch (error) {
      // A VBoxManage that does not answer is no broken installation: its error says what to do.
      if (error instanceof CommandTimeoutError) throw error
      return info([versionFailed(error instanceof Error ? error.message : String(error))])
    }
    const problems = installationProblems(out, this.opts)
    const v = out.version
    const net = this.opts.labNetwork
    if (v && atLeast(v, 6, 1) && net) {
      const flavour = { version: v, hostOs: this.opts.platform, guestArch: this.opts.guestArch }
      const problem = await networksConfPreflight(flavour, net, this.opts.networksConf)
      // An interface that already has the address (set up by an administrator) needs no permission.
      if (problem && !(await findHostOnly(this.driver, flavour, { ...net, lab: '', netmask: formatNetmask(net.prefix) }))) problems.push(problem)
    }
    return info(problems, v)
  }

  async ensureNetwork(spec: NetworkSpec): Promise<NetworkHandle> {
    return ensureHostOnly(this.driver, await this.flavour(), spec, this.opts.networksConf)
  }

  async removeNetwork(handle: NetworkHandle): Promise<void> {
    await removeHostOnly(this.driver, await this.flavour(), handle)
  }

  async networkIds(): Promise<string[]> {
    if (usesHostOnlyNetworks(await this.flavour())) return (await this.driver.listHostOnlyNets()).map((n) => n.name)
    return (await this.driver.listHostOnlyIfs()).map((i) => i.name)
  }

  async createBase(spec: BaseSpec): Promise<void> {
    await createBaseVm({ driver: this.driver, flavour: await this.flavour(), opts: this.opts, sshPort: () => this.pickSshPort() }, spec)
  }

  async cloneLinked(spec: CloneSpec): Promise<void> {
    const mac = vboxMac(spec.mac)
    const flavour = await this.flavour()
    await replacingUnregistered(this.driver, () =>
      this.driver.cloneVm({
        base: spec.base,
        snapshot: spec.baseSnapshot,
        name: spec.name,
        group: VM_GROUP,
        ...(this.opts.vmFolder === undefined ? {} : { baseFolder: this.opts.vmFolder }),
      }),
    )
    const port = await this.pickSshPort()
    await this.driver.modifyVm(spec.name, [
      '--cpus',
      String(spec.cpus),
      '--memory',
      String(spec.memoryMiB),
      ...hostOnlyNicArgs(flavour, 2, spec.network.id),
      '--macaddress2',
      mac,
      // The clone inherits the base's SSH rule (same name, the base's port): replace it.
      '--natpf1',
      'delete',
      SSH_RULE,
      '--natpf1',
      sshRule(port),
      ...spec.forwards.flatMap((f) => ['--natpf1', `tcp-${f.host},tcp,127.0.0.1,${f.host},,${f.guest}`]),
    ])
    await this.driver.attach(spec.name, SEED_PORT, 'dvddrive', spec.seedIso)
    await this.snapshotTake(spec.name, spec.initialSnapshot)
  }

  async start(vm: string): Promise<void> {
    const raw = await this.rawState(vm)
    if (raw === 'running') return
    if (raw === 'paused') return this.driver.controlVm(vm, 'resume')
    // From `saved` (a live snapshot restored, or a savestate) startvm resumes the memory: no boot.
    await this.driver.startVm(vm)
  }

  async suspend(vm: string): Promise<void> {
    if ((await this.rawState(vm)) !== 'running') return
    await this.driver.controlVm(vm, 'savestate')
  }

  async pause(vm: string): Promise<void> {
    await this.driver.controlVm(vm, 'pause')
  }

  /**
   * A paused VM goes on; one that a restore left `saved` (the snapshot's memory, not yet loaded) is started,
   * which resumes it where the snapshot was taken, in about a second.
   */
  async resume(vm: string): Promise<void> {
    if ((await this.rawState(vm)) !== 'saved') return this.driver.controlVm(vm, 'resume')
    await this.driver.startVm(vm)
    // The state was saved while the VM was paused (the lab paused for its snapshot): should VirtualBox bring
    // it back paused, it goes on here.
    if (!this.driver.dryRun && (await this.rawState(vm)) === 'paused') await this.driver.controlVm(vm, 'resume')
  }

  async stop(vm: string, opts: { timeoutMs?: number; force?: boolean } = {}): Promise<void> {
    // A plan's VMs exist in what `lab up` would have made, not on the fresh machine the plan asks.
    if (this.driver.dryRun && !(await this.infoOrMissing(vm))) return this.driver.controlVm(vm, opts.force ? 'poweroff' : 'acpipowerbutton')
    let info = await this.driver.showVmInfo(vm)
    if (toVmState(info.state) === 'busy' && !this.driver.dryRun) {
      info = (await waitFor(this.driver, vm, (i) => toVmState(i.state) !== 'busy', { timeoutMs: POWEROFF_TIMEOUT_MS, intervalMs: this.opts.pollIntervalMs })) ?? info
    }
    if (OFF_STATES.includes(info.state)) return
    if (!opts.force && info.state === 'running') {
      await this.driver.controlVm(vm, 'acpipowerbutton')
      if (this.driver.dryRun) return
      const off = await this.waitOff(vm, opts.timeoutMs ?? this.opts.stopTimeoutMs)
      if (off) return
    }
    await this.powerOff(vm)
  }

  private async waitOff(vm: string, timeoutMs: number): Promise<VmInfo | undefined> {
    return waitFor(this.driver, vm, (i) => OFF_STATES.includes(i.state), { timeoutMs, intervalMs: this.opts.pollIntervalMs })
  }

  /** Pulls the plug and waits until VirtualBox shows the VM off. */
  private async powerOff(vm: string): Promise<void> {
    try {
      await this.driver.controlVm(vm, 'poweroff')
    } catch (error) {
      // It went off by itself between our look and the command.
      if (!(error instanceof VBoxError && NOT_RUNNING.test(error.message))) throw error
    }
    if (this.driver.dryRun) return
    if (!(await this.waitOff(vm, POWEROFF_TIMEOUT_MS))) {
      throw new LabError(`${vm} did not power off`, { hint: `see \`VBoxManage showvminfo ${vm}\`; end its VBoxHeadless process if it hangs` })
    }
  }

  /** What showvminfo says, or undefined when there is no such VM. */
  private async infoOrMissing(vm: string): Promise<VmInfo | undefined> {
    try {
      return await this.driver.showVmInfo(vm)
    } catch (error) {
      if (error instanceof VBoxError && error.notFound) return undefined
      throw error
    }
  }

  /** VMState as VirtualBox prints it, or undefined when there is no such VM. */
  private async rawState(vm: string): Promise<string | undefined> {
    return (await this.infoOrMissing(vm))?.state
  }

  async state(vm: string): Promise<VmState> {
    const raw = await this.rawState(vm)
    return raw === undefined ? 'missing' : toVmState(raw)
  }

  async snapshotTake(vm: string, name: string, opts: { live?: boolean } = {}): Promise<void> {
    // VirtualBox accepts duplicate names, and then every later command picks one of them at random.
    if ((await this.driver.snapshots(vm)).names.includes(name)) return
    // Both keep the memory of a VM that runs: `--live` copies it while the VM goes on, without it the VM is
    // paused meanwhile. VirtualBox refuses `--live` on a VM that is paused already (a lab paused at one
    // instant): "Cannot take a live snapshot of a virtual machine unless it is running."
    const live = opts.live === true && (await this.rawState(vm)) === 'running'
    await this.driver.snapshotTake(vm, name, live)
  }

  /**
   * A running (or paused) VM is powered off first: VirtualBox restores only a VM that is off or saved. A
   * snapshot taken while the VM ran leaves it `saved`, and start() resumes it from there; one taken powered
   * off leaves it off, and start() boots it.
   */
  async snapshotRestore(vm: string, name: string): Promise<void> {
    const names = (await this.driver.snapshots(vm)).names
    if (!names.includes(name)) {
      throw new LabError(`${vm} has no snapshot named '${name}'`, {
        hint: names.length === 0 ? 'it has no snapshots at all: rebuild the node with `lab up`' : `it has: ${names.join(', ')}`,
      })
    }
    const state = await this.state(vm)
    if (state === 'running' || state === 'paused' || state === 'busy') await this.stop(vm, { force: true })
    // The session of a VM just powered off stays locked for a moment ("is already locked for a session",
    // VBOX_E_INVALID_OBJECT_STATE): the driver retries that.
    await this.driver.snapshotRestore(vm, name)
  }

  async snapshotList(vm: string): Promise<string[]> {
    return (await this.driver.snapshots(vm)).names
  }

  async snapshotDelete(vm: string, name: string): Promise<void> {
    if (!(await this.driver.snapshots(vm)).names.includes(name)) return
    await this.driver.snapshotDelete(vm, name)
  }

  async destroy(vm: string): Promise<void> {
    const info = await this.infoOrMissing(vm)
    if (!info) {
      // Not registered: what a createvm or clonevm killed half way left, if anything.
      const group = await this.groupFolder()
      if (group !== undefined && (await unregisteredFolders(this.driver, group, vm)).includes(vm)) {
        await removeUnregisteredFolder(this.driver, join(group, vm))
        await removeEmptyGroupFolder(join(group, vm, `${vm}.vbox`))
      }
      return
    }
    if (info.cfgFile !== undefined) {
      const clones = cloneImagesOf(await this.driver.listHdds(), dirname(info.cfgFile))
      if (clones.length > 0) {
        const names = [...new Set(clones.map(cloneNameOf))]
        throw new LabError(`${vm} cannot be destroyed while linked clones use it: ${names.join(', ')}`, {
          hint: "destroy the lab's nodes first (`lab destroy` for each lab built on this base), then the base",
        })
      }
    }
    if (!OFF_STATES.includes(info.state)) await this.stop(vm, { force: true })
    await this.driver.unregisterVm(vm)
    if (info.cfgFile !== undefined) await closeLeftoverDisks(this.driver, dirname(info.cfgFile))
    await closeDvdImages(this.driver, attachedMedia(info.storage))
    if (info.cfgFile !== undefined) await removeEmptyGroupFolder(info.cfgFile)
  }

  async forgetMedia(files: readonly string[]): Promise<void> {
    await closeDvdImages(this.driver, files)
  }

  async list(prefix: string): Promise<string[]> {
    const registered = (await this.driver.listVms()).map((v) => v.name).filter((n) => n.startsWith(prefix))
    const group = await this.groupFolder()
    const unregistered = group === undefined ? [] : await unregisteredFolders(this.driver, group, prefix)
    return [...new Set([...registered, ...unregistered])]
  }

  /** The folder VirtualBox keeps vmlab's VMs in (the machine folder's vmlab group). */
  private async groupFolder(): Promise<string | undefined> {
    if (this.driver.dryRun) return undefined
    const root = await machineFolder(this.driver, this.opts.vmFolder)
    return root === undefined ? undefined : join(root, ...VM_GROUP.split('/').filter(Boolean))
  }

  async diskFolder(): Promise<string | undefined> {
    return this.groupFolder()
  }

  async sshEndpoint(vm: string, labIp: string): Promise<Endpoint> {
    const info = await this.driver.showVmInfo(vm)
    const rule = [...info.nics.values()].flatMap((n) => n.forwards).find((f) => f.name === SSH_RULE)
    if (!rule) return { host: labIp, port: 22 }
    // An empty host IP binds every interface; loopback is one of them.
    return { host: rule.hostIp || '127.0.0.1', port: rule.hostPort }
  }

  /** A host port no VM forwards yet, for a new SSH rule. */
  private pickSshPort(): Promise<number> {
    return this.ports.pick(async () => {
      const used = new Set<number>()
      for (const vm of await this.driver.listVms()) {
        let info: VmInfo
        try {
          info = await this.driver.showVmInfo(vm.uuid)
        } catch (error) {
          // Another VM that vanished or is inaccessible claims no port we could see.
          if (error instanceof VBoxError) continue
          throw error
        }
        for (const nic of info.nics.values()) for (const f of nic.forwards) used.add(f.hostPort)
      }
      return used
    })
  }
}
