/**
 * Thin typed wrappers over VBoxManage commands, one method per command we use, all through one runner
 * (argv arrays, LANG=C, logged). A call fails when VBoxManage exits non-zero or prints its error lines
 * (some failures exit 0); transient session-lock / "not ready" refusals are retried with back-off for up to
 * half a minute by default (LOCK_RETRY). The provider decides what to run; this file only knows how.
 */
import type { CliRunner } from '../cli-runner.js'
import type { RunResult } from '../../util/run.js'
import { CommandError, CommandTimeoutError, HostError, LabError } from '../../util/errors.js'
import { vboxCallOptions } from './call-limits.js'
import { lastLine, parseVBoxError, VBoxError, type VBoxErrorInfo } from './vbox-error.js'
import { parseVmInfo, type VmInfo } from './vm-info.js'
import {
  parseDvds,
  parseHdds,
  parseHostOnlyIfs,
  parseHostOnlyNets,
  parseSnapshotList,
  parseVmList,
  saysNoSnapshots,
  type DvdImage,
  type HardDisk,
  type HostOnlyInterface,
  type HostOnlyNetwork,
  type SnapshotTree,
  type VmListEntry,
} from './lists.js'
import { parseVersionOutput, type VBoxVersion, type VersionOutput } from './version.js'
import { storageController, type StorageController } from './flavour.js'
import { retryOrLastError, type RetryPolicy } from '../../util/retry.js'

export interface DriverOptions {
  runner: CliRunner
  binary: string
  /** Where VirtualBox runs: picks the hints for errors. */
  platform: NodeJS.Platform
  retry: RetryPolicy
  /** The controller the discs hang off (flavour.ts): SATA on a PC, virtio-scsi on ARM. */
  storage?: StorageController
}

export class VBoxDriver {
  private cachedVersion: Promise<VersionOutput> | undefined
  private readonly storage: StorageController
  constructor(private readonly opts: DriverOptions) {
    this.storage = opts.storage ?? storageController({})
  }

  get dryRun(): boolean {
    return this.opts.runner.dryRun
  }

  get binary(): string {
    return this.opts.binary
  }

  /** Runs `VBoxManage ARGS`; throws VBoxError (typed, with a hint) when VirtualBox reports a failure. */
  async exec(args: readonly string[], opts: { retry?: boolean } = {}): Promise<RunResult> {
    const once = async () => {
      const result = await this.start(args)
      const error = this.failure(result)
      if (error) throw error
      return result
    }
    if (opts.retry === false) return once()
    return retryOrLastError(once, { ...this.opts.retry, retryable: (e) => e instanceof VBoxError && e.transient })
  }

  private async start(args: readonly string[]): Promise<RunResult> {
    try {
      return await this.opts.runner.run(this.opts.binary, args, { reject: false, ...vboxCallOptions(args, this.opts.platform) })
    } catch (error) {
      if (error instanceof CommandError && error.code === undefined && !(error instanceof CommandTimeoutError)) {
        throw new HostError(`cannot run VBoxManage (${this.opts.binary}): ${error.message}`, {
          hint: 'install VirtualBox 7 (https://www.virtualbox.org/wiki/Downloads) or put VBoxManage on PATH',
          cause: error,
        })
      }
      throw error
    }
  }

  private failure(result: RunResult): VBoxError | undefined {
    const parsed = parseVBoxError(result.stderr)
    if (result.exitCode === 0 && !parsed) return undefined
    const said = lastLine(result.stdout) ?? lastLine(result.stderr)
    const info: VBoxErrorInfo = parsed ?? { messages: said === undefined ? [] : [said] }
    return new VBoxError({
      command: result.command,
      exitCode: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
      info,
      platform: this.opts.platform,
    })
  }

  /** What `--version` printed, parsed (asked once; a failed call is asked again next time). */
  versionOutput(): Promise<VersionOutput> {
    this.cachedVersion ??= this.exec(['--version'], { retry: false }).then(
      (r) => parseVersionOutput(r.stdout),
      (error: unknown) => {
        this.cachedVersion = undefined
        throw error
      },
    )
    return this.cachedVersion
  }

  /** The installed version. */
  async version(): Promise<VBoxVersion> {
    const out = await this.versionOutput()
    if (!out.version) throw new LabError(`\`${this.opts.binary} --version\` printed no version`, { hint: 'reinstall VirtualBox' })
    return out.version
  }

  async listVms(): Promise<VmListEntry[]> {
    return parseVmList((await this.exec(['list', 'vms'])).stdout)
  }

  async listHostOnlyIfs(): Promise<HostOnlyInterface[]> {
    return parseHostOnlyIfs((await this.exec(['list', 'hostonlyifs'])).stdout)
  }

  async listHostOnlyNets(): Promise<HostOnlyNetwork[]> {
    return parseHostOnlyNets((await this.exec(['list', 'hostonlynets'])).stdout)
  }

  async listHdds(): Promise<HardDisk[]> {
    return parseHdds((await this.exec(['list', 'hdds'])).stdout)
  }

  async listDvds(): Promise<DvdImage[]> {
    return parseDvds((await this.exec(['list', 'dvds'])).stdout)
  }

  /** Forgets a DVD image (by UUID or path); its file stays. */
  async closeDvd(image: string): Promise<void> {
    await this.exec(['closemedium', 'dvd', image])
  }

  async showVmInfo(vm: string): Promise<VmInfo> {
    return parseVmInfo((await this.exec(['showvminfo', vm, '--machinereadable'])).stdout)
  }

  /** Creates and registers a VM; returns its settings file as VirtualBox reports it. */
  async createVm(o: { name: string; osType: string; group: string; baseFolder?: string; platform?: string[] }): Promise<string | undefined> {
    const args = ['createvm', '--name', o.name, ...(o.platform ?? []), '--ostype', o.osType, '--register']
    if (o.baseFolder !== undefined) args.push('--basefolder', o.baseFolder)
    args.push('--groups', o.group)
    const { stdout } = await this.exec(args)
    return /^Settings file: '(.*)'\s*$/m.exec(stdout.replace(/\r\n/g, '\n'))?.[1]
  }

  async modifyVm(vm: string, settings: readonly string[]): Promise<void> {
    await this.exec(['modifyvm', vm, ...settings])
  }

  async createDisk(file: string, sizeMiB: number): Promise<void> {
    await this.exec(['createmedium', 'disk', '--filename', file, '--size', String(sizeMiB), '--format', 'VDI', '--variant', 'Standard'])
  }

  /** Copies a disk image (VDI, VMDK, VHD, …) into a new VDI. */
  async cloneDisk(source: string, target: string): Promise<void> {
    await this.exec(['clonemedium', 'disk', source, target, '--format', 'VDI'])
  }

  async addStorageController(vm: string, ports: number): Promise<void> {
    const c = this.storage
    await this.exec(['storagectl', vm, '--name', c.name, '--add', c.add, '--controller', c.controller, '--portcount', String(ports), '--bootable', 'on'])
  }

  /** Attaches a medium to a port of the disc controller, or empties the port with `medium: 'none'`. */
  async attach(vm: string, port: number, type: 'hdd' | 'dvddrive', medium: string): Promise<void> {
    await this.exec(['storageattach', vm, '--storagectl', this.storage.name, '--port', String(port), '--device', '0', '--type', type, '--medium', medium])
  }

  async startVm(vm: string): Promise<void> {
    await this.exec(['startvm', vm, '--type', 'headless'])
  }

  async controlVm(vm: string, action: string, ...args: string[]): Promise<void> {
    await this.exec(['controlvm', vm, action, ...args])
  }

  async putScancodes(vm: string, codes: readonly string[]): Promise<void> {
    await this.controlVm(vm, 'keyboardputscancode', ...codes)
  }

  /** The VM's snapshots; none when VirtualBox says so (on stdout, with exit code 1). */
  async snapshots(vm: string): Promise<SnapshotTree> {
    try {
      return parseSnapshotList((await this.exec(['snapshot', vm, 'list', '--machinereadable'])).stdout)
    } catch (error) {
      if (error instanceof VBoxError && !error.info.codeName && saysNoSnapshots(error.stdout)) return { names: [] }
      throw error
    }
  }

  async snapshotTake(vm: string, name: string, live: boolean): Promise<void> {
    await this.exec(['snapshot', vm, 'take', name, ...(live ? ['--live'] : [])])
  }

  async snapshotRestore(vm: string, name: string): Promise<void> {
    await this.exec(['snapshot', vm, 'restore', name])
  }

  async snapshotDelete(vm: string, name: string): Promise<void> {
    await this.exec(['snapshot', vm, 'delete', name])
  }

  async cloneVm(o: { base: string; snapshot: string; name: string; group: string; baseFolder?: string }): Promise<void> {
    const args = ['clonevm', o.base, '--snapshot', o.snapshot, '--options', 'link', '--name', o.name, '--register']
    if (o.baseFolder !== undefined) args.push('--basefolder', o.baseFolder)
    args.push('--groups', o.group)
    await this.exec(args)
  }

  /** Unregisters the VM and deletes its settings, disks, snapshots and logs. */
  async unregisterVm(vm: string): Promise<void> {
    await this.exec(['unregistervm', vm, '--delete'])
  }

  /** Creates a vboxnetN interface; returns its name. */
  async hostOnlyIfCreate(): Promise<string> {
    const { stdout, command } = await this.exec(['hostonlyif', 'create'])
    const name = /Interface '(.+)' was successfully created/.exec(stdout)?.[1]
    if (!name) throw new LabError(`${command.join(' ')} did not say which interface it created`, { hint: 'run `VBoxManage list hostonlyifs` to see it' })
    return name
  }

  async hostOnlyIfIpconfig(name: string, ip: string, netmask: string): Promise<void> {
    await this.exec(['hostonlyif', 'ipconfig', name, '--ip', ip, '--netmask', netmask])
  }

  async hostOnlyIfRemove(name: string): Promise<void> {
    await this.exec(['hostonlyif', 'remove', name])
  }

  async hostOnlyNetAdd(o: { name: string; netmask: string; lowerIp: string; upperIp: string }): Promise<void> {
    await this.exec(['hostonlynet', 'add', '--name', o.name, '--netmask', o.netmask, '--lower-ip', o.lowerIp, '--upper-ip', o.upperIp, '--enable'])
  }

  async hostOnlyNetRemove(name: string): Promise<void> {
    await this.exec(['hostonlynet', 'remove', '--name', name])
  }
}
