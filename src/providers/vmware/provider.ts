/**
 * VMware Workstation Pro (Windows, Linux) and Fusion (macOS) through `vmrun`, `vmware-vdiskmanager` and the
 * VMs' .vmx files. Policy lives here; the commands themselves are in driver.ts.
 *
 * - Network: VMware's vmnets are host-wide and made by VMware, so nothing is created. The lab uses vmnet1
 *   (host-only) or a custom host-only vmnet whose subnet is the lab's; the host has the first address on it,
 *   which is why SSH goes straight to the node's lab IP, port 22.
 * - Unattended install: vmrun cannot type at the installer's boot menu (that would need VMware's VNC server
 *   and a VNC client), so the base boots the ISO's default entry after its 60 s countdown. Anaconda then finds
 *   the kickstart on the disc labelled OEMDRV by itself and powers the VM off at the end, which `vmrun list`
 *   shows.
 * - Inventory: one folder per VM under the VMs dir; vmrun has no "list all VMs" command.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { BaseSpec, CloneSpec, Endpoint, NetworkHandle, NetworkSpec, Preflight, Provider, ProviderInfo, VmState } from '../provider.js'
import { realRunner, type CliRunner } from '../cli-runner.js'
import { vmwareDirs } from '../locate.js'
import { CommandError, HostError, InputError, LabError } from '../../util/errors.js'
import { VmrunDriver, type HostType } from './driver.js'
import { findVmwareInstall, productOf, type VmwareInstall } from './install.js'
import { checkLabNetwork, networkingConfigPath, readVmnets, type NetworkCheck } from './network-check.js'
import { copyVmdk } from './disk-image.js'
import { defaultVmsDir, VmFolders, vmwareLogTail } from './vm-folders.js'
import { PLAYER_FIX, PLAYER_PROBLEM, VmrunError } from './vmrun-error.js'
import { readVmx, Vmx, writeVmx } from './vmx.js'
import { checkVmwareMac, renderBaseVmx } from './vmx-template.js'
import { vmwareGuestOs } from './guest-os.js'
import { vmwareArches } from './arch-support.js'
import { VMWARE_CAPABILITIES } from './capabilities.js'
import { snapshotMemoryOf } from './snapshot-memory.js'
import { spokenDuration } from '../../util/duration.js'

/** The snapshot createBase ends with; clones link to it. */
export const BASE_SNAPSHOT = 'base'

export interface VMwareProviderOptions {
  /** realRunner by default; a RecordingRunner for `lab plan --commands`. */
  runner?: CliRunner
  env?: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
  /** The host's CPU (Node's spelling); this machine's by default. */
  arch?: string
  /** The lab's guests: Fusion on Apple Silicon runs aarch64 ones only, every other VMware x86_64 ones only. */
  guestArch?: 'x86_64' | 'aarch64'
  /** Folder holding one folder per VM; default $VMLAB_VMWARE_VMS_DIR or ~/vmlab/vmware. */
  vmsDir?: string
  /** The lab's network, so that detect() can say whether a vmnet fits it. */
  labCidr?: string
  /** Paths of the tools, when not found the usual way. */
  vmrun?: string
  vdiskmanager?: string
  /** How often to ask `vmrun list` whether an installer or a guest shut down (ms). */
  pollIntervalMs?: number
  /** Default for stop(): how long the guest may take to shut down before a hard power-off (ms). */
  stopTimeoutMs?: number
  /** How long to retry vmrun's "The file is already in use" (ms; 30 s by default). */
  lockRetryMs?: number
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

function checkName(vm: string): string {
  if (!NAME.test(vm)) throw new InputError(`"${vm}" is not a valid VMware VM name`, 'use letters, digits, ".", "_" and "-"')
  return vm
}

const PRODUCT_NAMES: Record<VmwareInstall['product'], string> = {
  workstation: 'VMware Workstation Pro',
  fusion: 'VMware Fusion',
  player: 'VMware Workstation Player',
  unknown: 'VMware Workstation / Fusion',
}

export class VMwareProvider implements Provider {
  readonly name = 'vmware' as const
  readonly capabilities = VMWARE_CAPABILITIES
  private readonly folders: VmFolders
  private readonly runner: CliRunner
  private readonly env: NodeJS.ProcessEnv
  private readonly platform: NodeJS.Platform
  private readonly opts: VMwareProviderOptions
  private installFound: Promise<VmwareInstall | undefined> | undefined
  private driverMade: Promise<VmrunDriver> | undefined

  constructor(opts: VMwareProviderOptions = {}) {
    this.opts = opts
    this.runner = opts.runner ?? realRunner
    this.env = opts.env ?? process.env
    this.platform = opts.platform ?? process.platform
    this.folders = new VmFolders(resolve(opts.vmsDir ?? defaultVmsDir(this.env)), this.platform)
  }

  private get dryRun(): boolean {
    return this.runner.dryRun
  }

  private get hostType(): HostType {
    return this.platform === 'darwin' ? 'fusion' : 'ws'
  }

  private install(): Promise<VmwareInstall | undefined> {
    this.installFound ??= this.opts.vmrun
      ? Promise.resolve({
          vmrun: this.opts.vmrun,
          vdiskmanager: this.opts.vdiskmanager ?? this.beside(this.opts.vmrun, 'vmware-vdiskmanager'),
          product: productOf(this.opts.vmrun, this.platform, this.env),
        })
      : findVmwareInstall({ runner: this.runner, env: this.env, platform: this.platform })
    return this.installFound
  }

  private beside(file: string, program: string): string {
    return join(dirname(file), `${program}${this.platform === 'win32' ? '.exe' : ''}`)
  }

  /**
   * The tools to run. Without VMware installed only commands can be recorded (`lab plan --commands`), and
   * they name the tools where a default install puts them.
   */
  private async tools(): Promise<{ vmrun: string; vdiskmanager: string }> {
    const install = await this.install()
    if (install?.vdiskmanager) return { vmrun: install.vmrun, vdiskmanager: install.vdiskmanager }
    if (!this.dryRun) {
      throw new HostError(install ? `vmware-vdiskmanager was not found next to ${install.vmrun}` : 'VMware Workstation Pro / Fusion is not installed (no vmrun found)', {
        hint: 'install VMware Workstation Pro (Windows, Linux) or VMware Fusion (macOS), or put vmrun on PATH',
      })
    }
    const vmrun = install?.vmrun ?? join(vmwareDirs(this.env)[0]!, `vmrun${this.platform === 'win32' ? '.exe' : ''}`)
    return { vmrun, vdiskmanager: this.beside(vmrun, 'vmware-vdiskmanager') }
  }

  private driver(): Promise<VmrunDriver> {
    this.driverMade ??= this.tools().then(
      (tools) =>
        new VmrunDriver({
          ...tools,
          hostType: this.hostType,
          runner: this.runner,
          ...(this.opts.lockRetryMs === undefined ? {} : { lockRetryMs: this.opts.lockRetryMs }),
        }),
    )
    return this.driverMade
  }

  async detect(): Promise<ProviderInfo> {
    const install = await this.install()
    if (!install) {
      return {
        name: 'vmware',
        binary: '',
        version: '',
        product: 'VMware Workstation / Fusion',
        problems: [
          {
            problem: `VMware is not installed: no vmrun on PATH or in ${vmwareDirs(this.env).join(', ')}`,
            fix: 'install VMware Workstation Pro (Windows, Linux) or VMware Fusion (macOS), both free for personal use, or choose another provider',
            fatal: true,
          },
        ],
      }
    }
    const problems: Preflight[] = []
    const arches = vmwareArches({ platform: this.platform, arch: this.opts.arch ?? process.arch })
    const support = arches[this.opts.guestArch ?? 'x86_64']
    if (!support.runs) problems.push({ problem: support.why, fix: support.fix, fatal: true })
    if (!install.vdiskmanager) {
      problems.push({
        problem: `vmware-vdiskmanager is missing next to ${install.vmrun}, so no disk can be created`,
        fix: 'repair or reinstall VMware Workstation Pro / Fusion, or put vmware-vdiskmanager on PATH',
        fatal: true,
      })
    }
    const driver = new VmrunDriver({ vmrun: install.vmrun, vdiskmanager: install.vdiskmanager ?? '', hostType: this.hostType, runner: this.runner, lockRetryMs: 0 })
    const version = (await driver.version()) ?? 'unknown'
    let product = install.product
    try {
      await driver.list()
      // vmrun -T ws answers only where Workstation Pro is installed.
      if (product === 'unknown' && this.hostType === 'ws') product = 'workstation'
    } catch (error) {
      // Player's vmrun answers `-T ws` with "Service type VIX_SERVICEPROVIDER_VMWARE_WORKSTATION was specified, but not installed".
      if (error instanceof VmrunError && error.kind === 'product-not-installed' && this.hostType === 'ws') product = 'player'
      else {
        problems.push({
          problem: `vmrun cannot talk to VMware: ${error instanceof VmrunError ? error.said : String(error)}`,
          fix: `start ${PRODUCT_NAMES[product]} once (it sets up its services), then run the command again`,
          fatal: true,
        })
      }
    }
    if (product === 'player') problems.push({ problem: PLAYER_PROBLEM, fix: PLAYER_FIX, fatal: true })
    if (this.opts.labCidr !== undefined) problems.push(...this.networkCheck(this.opts.labCidr).problems)
    return { name: 'vmware', binary: install.vmrun, version, product: PRODUCT_NAMES[product], problems }
  }

  private networkCheck(cidr: string): NetworkCheck {
    const source = networkingConfigPath(this.platform, this.env)
    const vmnets = readVmnets(source)
    // `lab plan` must work on a machine without VMware: assume a fresh install's vmnet1 fits.
    if (vmnets === undefined && this.dryRun) return { vmnet: 'vmnet1', problems: [] }
    return checkLabNetwork({ vmnets, source, cidr, platform: this.platform })
  }

  async ensureNetwork(spec: NetworkSpec): Promise<NetworkHandle> {
    const check = this.networkCheck(spec.cidr)
    const fatal = check.problems.find((p) => p.fatal)
    if (fatal) throw new LabError(`lab "${spec.lab}": ${fatal.problem}`, { hint: fatal.fix })
    // checkLabNetwork names a vmnet whenever it reports nothing fatal.
    return { id: check.vmnet ?? 'vmnet1', created: false }
  }

  async removeNetwork(_handle: NetworkHandle): Promise<void> {
    // vmnets belong to the whole VMware install and ensureNetwork never creates one: nothing to remove.
  }

  private vnetOf(handle: NetworkHandle): string | undefined {
    return handle.id === 'vmnet1' ? undefined : handle.id
  }

  /**
   * Makes the folder of a VM about to be created. A folder without a whole .vmx is what a failed attempt left
   * behind (a disk, a log, half a clone's .vmx): it goes, so that running the command again just works.
   */
  private prepareFolder(vm: string): void {
    const vmx = this.folders.vmx(vm)
    if (this.dryRun) return
    if (this.folders.hasVm(vm)) {
      throw new LabError(`VMware VM "${vm}" already exists (${vmx})`, { hint: 'destroy it first, or keep it and skip creating it' })
    }
    rmSync(this.folders.dir(vm), { recursive: true, force: true })
    mkdirSync(this.folders.dir(vm), { recursive: true })
  }

  /** The VM's .vmx, after checking that it exists (not when only recording commands). */
  private requireVm(vm: string): string {
    const vmx = this.folders.vmx(checkName(vm))
    if (!this.dryRun && !existsSync(vmx)) throw this.notFound(vm)
    return vmx
  }

  private notFound(vm: string, cause?: unknown): LabError {
    return new LabError(`VMware VM "${vm}" does not exist (no ${this.folders.vmx(vm)})`, {
      hint: `vmlab keeps its VMware VMs under ${this.folders.root} (set VMLAB_VMWARE_VMS_DIR to change it); create them with lab up`,
      ...(cause === undefined ? {} : { cause }),
    })
  }

  /** Turns vmrun's "cannot be found" into the same error as requireVm (the VM went away in between). */
  private async onVm<T>(vm: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      if (error instanceof VmrunError && error.kind === 'vm-not-found') throw this.notFound(vm, error)
      throw error
    }
  }

  private async isRunning(vmx: string): Promise<boolean> {
    const running = await (await this.driver()).list()
    return running.some((p) => this.folders.samePath(p, vmx))
  }

  async createBase(spec: BaseSpec): Promise<void> {
    const vm = checkName(spec.name)
    const source = spec.source
    if (source.kind === 'cloud-image') throw new LabError('cloud images are built into a base by the qemu provider only', { hint: 'set provider: qemu, or remove install.image' })
    if (source.kind === 'image' && source.kernel !== undefined) {
      throw new InputError('VMware cannot boot a kernel directly', 'give the base a disk image that boots by itself (with a boot loader)')
    }
    const driver = await this.driver()
    this.prepareFolder(vm)
    const dir = this.folders.dir(vm)
    const vmx = this.folders.vmx(vm)
    // A copied image keeps its file name: a monolithic sparse disk names itself inside its embedded descriptor.
    const disk = source.kind === 'image' ? basename(source.disk) : `${vm}.vmdk`
    const vnet = this.vnetOf(spec.network)
    const values = { name: vm, guestOs: vmwareGuestOs(spec.os), cpus: spec.cpus, memoryMiB: spec.memoryMiB, disk, arm: spec.os.arch === 'aarch64', ...(vnet ? { vnet } : {}) }
    if (source.kind === 'image') {
      if (!this.dryRun) {
        copyVmdk(source.disk, join(dir, disk))
        writeVmx(vmx, Vmx.parse(renderBaseVmx(values)))
      }
    } else {
      await driver.createDisk(join(dir, disk), spec.diskGiB)
      const media = { installIso: resolve(source.installIso), oemdrvIso: resolve(source.oemdrvIso) }
      if (!this.dryRun) writeVmx(vmx, Vmx.parse(renderBaseVmx({ ...values, ...media })))
      await this.startVmx(vm, vmx)
      await this.waitUntilOff(vm, vmx, spec.installTimeoutMs)
      if (!this.dryRun) writeVmx(vmx, readVmx(vmx).deletePrefix('sata0:1').deletePrefix('sata0:2'))
    }
    await driver.snapshot(vmx, BASE_SNAPSHOT)
  }

  /** Polls `vmrun list` until the installer has powered the VM off. */
  private async waitUntilOff(vm: string, vmx: string, timeoutMs: number): Promise<void> {
    const started = Date.now()
    while (await this.isRunning(vmx)) {
      if (Date.now() - started >= timeoutMs) {
        const tail = vmwareLogTail(this.folders.dir(vm))
        throw new LabError(`the unattended install of "${vm}" did not finish within ${spokenDuration(timeoutMs)}; the VM is still running`, {
          hint: `look at its screen in VMware (${vmx}) to see where the installer stopped${tail ? `; the end of vmware.log:\n${tail}` : ''}`,
        })
      }
      await sleep(this.opts.pollIntervalMs ?? 5000)
    }
  }

  private async startVmx(vm: string, vmx: string): Promise<void> {
    const driver = await this.driver()
    try {
      await driver.start(vmx, 'nogui')
    } catch (error) {
      if (error instanceof VmrunError && error.kind === 'canceled') {
        const tail = vmwareLogTail(this.folders.dir(vm))
        throw new LabError(`VMware could not power on "${vm}"`, {
          hint: tail ? `the end of its vmware.log:\n${tail}` : `see vmware.log in ${this.folders.dir(vm)}`,
          cause: error,
        })
      }
      throw error
    }
  }

  async cloneLinked(spec: CloneSpec): Promise<void> {
    const vm = checkName(spec.name)
    const mac = checkVmwareMac(spec.mac)
    const baseVmx = this.requireVm(spec.base)
    const driver = await this.driver()
    this.prepareFolder(vm)
    const dir = this.folders.dir(vm)
    const vmx = this.folders.vmx(vm)
    await this.onVm(spec.base, () => driver.cloneLinked(baseVmx, vmx, spec.baseSnapshot, vm))
    if (!this.dryRun) {
      // The fixes Vagrant applies after a clone: a new identity without questions, no stale locks.
      const v = readVmx(vmx)
        .set('uuid.action', 'create')
        .set('msg.autoanswer', 'TRUE')
        .set('displayName', vm)
        .set('numvcpus', String(spec.cpus))
        .set('memsize', String(spec.memoryMiB))
        .set('ethernet1.present', 'TRUE')
      const vnet = this.vnetOf(spec.network)
      if (vnet) v.set('ethernet1.connectionType', 'custom').set('ethernet1.vnet', vnet)
      else v.set('ethernet1.connectionType', 'hostonly').delete('ethernet1.vnet')
      v.set('ethernet1.addressType', 'static')
        .set('ethernet1.address', mac)
        .delete('ethernet1.generatedAddress')
        .delete('ethernet1.generatedAddressOffset')
        .set('sata0.present', 'TRUE')
        .deletePrefix('sata0:1')
        .set('sata0:1.present', 'TRUE')
        .set('sata0:1.deviceType', 'cdrom-image')
        .set('sata0:1.fileName', resolve(spec.seedIso))
        .set('sata0:1.startConnected', 'TRUE')
      writeVmx(vmx, v)
      for (const lock of readdirSync(dir).filter((n) => n.endsWith('.lck'))) rmSync(join(dir, lock), { recursive: true, force: true })
    }
    await driver.snapshot(vmx, spec.initialSnapshot)
  }

  async start(vm: string): Promise<void> {
    const vmx = this.requireVm(vm)
    // A suspended VM (a memory snapshot reverted to) resumes from its .vmss: no boot.
    await this.onVm(vm, () => this.startVmx(vm, vmx))
  }

  async suspend(vm: string): Promise<void> {
    const vmx = this.requireVm(vm)
    if (!(await this.isRunning(vmx))) return
    const driver = await this.driver()
    await this.onVm(vm, () => driver.suspend(vmx))
  }

  async pause(vm: string): Promise<void> {
    const vmx = this.requireVm(vm)
    const driver = await this.driver()
    await this.onVm(vm, () => driver.pause(vmx))
  }

  /** A paused VM goes on; one that a revert left suspended (the snapshot's memory) is started, which resumes it. */
  async resume(vm: string): Promise<void> {
    const vmx = this.requireVm(vm)
    const driver = await this.driver()
    if ((await this.state(vm)) === 'saved') await this.onVm(vm, () => this.startVmx(vm, vmx))
    else await this.onVm(vm, () => driver.unpause(vmx))
  }

  async stop(vm: string, opts: { timeoutMs?: number; force?: boolean } = {}): Promise<void> {
    const vmx = this.requireVm(vm)
    // A plan's VMs run in what `lab up` would have made, not on the fresh machine the plan asks.
    if (!this.dryRun && !(await this.isRunning(vmx))) return
    const driver = await this.driver()
    if (!opts.force && (await this.stopSoftly(vmx, opts.timeoutMs ?? this.opts.stopTimeoutMs ?? 60_000))) return
    try {
      await driver.stop(vmx, 'hard')
    } catch (error) {
      if (!(error instanceof VmrunError && error.kind === 'not-powered-on')) throw error
    }
  }

  /**
   * Asks the guest to shut down and waits for it; false when it is still running. vmrun's soft stop goes
   * through VMware Tools: without them in the guest it fails at once, and the caller powers off hard.
   */
  private async stopSoftly(vmx: string, timeoutMs: number): Promise<boolean> {
    const driver = await this.driver()
    const started = Date.now()
    try {
      await driver.stop(vmx, 'soft', timeoutMs)
    } catch (error) {
      if (!(error instanceof CommandError)) throw error
      return !(await this.isRunning(vmx))
    }
    for (;;) {
      if (!(await this.isRunning(vmx))) return true
      const left = timeoutMs - (Date.now() - started)
      if (left <= 0) return false
      await sleep(Math.min(this.opts.pollIntervalMs ?? 2000, left))
    }
  }

  async state(vm: string): Promise<VmState> {
    const vmx = this.folders.vmx(checkName(vm))
    if (!this.folders.hasVm(vm)) return 'missing'
    if (await this.isRunning(vmx)) return 'running'
    // A suspended VM (or one reverted to a snapshot taken while it ran) keeps its memory in <name>.vmss.
    return existsSync(join(this.folders.dir(vm), `${vm}.vmss`)) ? 'saved' : 'poweroff'
  }

  async snapshotTake(vm: string, name: string, _opts?: { live?: boolean }): Promise<void> {
    // vmrun snapshots a powered-on VM (running or paused) with its memory, so `live` needs nothing more.
    const vmx = this.requireVm(vm)
    const driver = await this.driver()
    const existing = await this.onVm(vm, () => driver.listSnapshots(vmx))
    if (existing.includes(name)) {
      throw new LabError(`VM "${vm}" already has a snapshot named "${name}"`, {
        hint: 'delete that snapshot first, or take this one under another name',
      })
    }
    await driver.snapshot(vmx, name)
  }

  /**
   * A running VM is powered off hard first (its state goes back to the snapshot's anyway). A snapshot taken
   * while the VM was on leaves it suspended, and start() resumes it; one taken powered off leaves it off.
   */
  async snapshotMemory(vm: string): Promise<Record<string, number>> {
    if (this.dryRun) return {}
    return snapshotMemoryOf(this.requireVm(vm))
  }

  async snapshotRestore(vm: string, name: string): Promise<void> {
    const vmx = this.requireVm(vm)
    const driver = await this.driver()
    if (!this.dryRun) {
      const names = await this.onVm(vm, () => driver.listSnapshots(vmx))
      if (!names.includes(name)) {
        throw new LabError(`VM "${vm}" has no snapshot named "${name}"`, {
          hint: names.length > 0 ? `its snapshots: ${names.join(', ')}` : 'it has no snapshots at all',
        })
      }
    }
    await this.stop(vm, { force: true })
    // The VMware process of a VM just powered off holds its files a moment: the driver retries "in use".
    await driver.revertToSnapshot(vmx, name)
  }

  async snapshotList(vm: string): Promise<string[]> {
    const vmx = this.requireVm(vm)
    const driver = await this.driver()
    return this.onVm(vm, () => driver.listSnapshots(vmx))
  }

  async snapshotDelete(vm: string, name: string): Promise<void> {
    const vmx = this.requireVm(vm)
    const driver = await this.driver()
    await this.onVm(vm, () => driver.deleteSnapshot(vmx, name))
  }

  async destroy(vm: string): Promise<void> {
    const vmx = this.folders.vmx(checkName(vm))
    const dir = this.folders.dir(vm)
    if (!this.dryRun && !this.folders.hasVm(vm)) {
      // Nothing VMware can open; drop what a half-made VM left behind.
      rmSync(dir, { recursive: true, force: true })
      return
    }
    const clones = this.folders.clonesOf(vm)
    if (clones.length > 0) {
      throw new LabError(`cannot destroy "${vm}": the linked clones ${clones.join(', ')} are built on its disk`, {
        hint: 'destroy those VMs first (lab destroy removes the nodes before the base)',
      })
    }
    const driver = await this.driver()
    if (await this.isRunning(vmx)) await driver.stop(vmx, 'hard')
    await this.onVm(vm, () => driver.deleteVM(vmx))
    // deleteVM leaves what VMware does not own (our logs of old runs, lock folders): the folder is ours.
    if (!this.dryRun) rmSync(dir, { recursive: true, force: true })
  }

  async list(prefix: string): Promise<string[]> {
    return this.folders.list(prefix)
  }

  async diskFolder(): Promise<string> {
    return this.folders.root
  }

  async sshEndpoint(_vm: string, labIp: string): Promise<Endpoint> {
    // The host has an address on the vmnet (VMware's host virtual adapter), so the lab IP is reachable as is.
    return { host: labIp, port: 22 }
  }
}
