/**
 * The QEMU driver of `lab plan --commands`: a machine where nothing exists yet and everything goes well.
 * Descriptions and running VMs live in memory; every program `lab up` would start (qemu-img, vde_switch,
 * qemu-system) is recorded by the RecordingRunner with the argv the real driver uses. Nothing is written,
 * copied, downloaded or waited for; what goes over a VM's monitor has no command line and is not shown.
 */
import { dirname, basename } from 'node:path'
import type { QemuDriver, QemuTools, RunState } from './driver.js'
import type { CloudBaseSeed } from '../../media/cloud-base-seed.js'
import { BASE_READY_MARK } from '../../media/cloud-base-seed.js'
import { locateQemu } from '../locate.js'
import { which } from '../../util/which.js'
import type { AccelChoice } from './accel.js'
import { findFirmware, PLANNED_FIRMWARE, type Firmware } from './firmware.js'
import { QEMU_PROBE, qemuCallOptions } from './call-limits.js'
import type { MachineSpec } from './machine.js'
import { RunnerDriver } from './runner-driver.js'
import { qemuArgv, type VmFiles, type VmSpec } from './qemu-vm.js'
import { vdePaths, vdeSwitchArgs } from './vde-network.js'

export class PlanQemuDriver extends RunnerDriver implements QemuDriver {
  private readonly descriptions = new Map<string, MachineSpec>()
  /** Running VMs by pid file, with whether they are paused. */
  private readonly running = new Map<string, { paused: boolean }>()

  /** The plan is made where QEMU may be missing: it shows the commands with the programs' bare names then. */
  findTools(env: NodeJS.ProcessEnv, arch: 'x86_64' | 'aarch64'): QemuTools {
    return { qemu: locateQemu(env, arch) ?? `qemu-system-${arch}`, qemuImg: which('qemu-img', [], env) ?? 'qemu-img', vde: which('vde_switch', [], env) ?? 'vde_switch' }
  }

  /** The firmware installed here, else where Debian's package puts it: a plan is made on any machine. */
  firmware(qemu: string): Firmware | undefined {
    return findFirmware(qemu) ?? PLANNED_FIRMWARE
  }

  /** The probe boots QEMU and depends on this host; the plan shows the accelerator that works everywhere. */
  async accel(_qemu: string, _cacheFile: string, _env: NodeJS.ProcessEnv): Promise<AccelChoice> {
    return { accel: 'tcg' }
  }

  async ensureSwitch(binary: string, networksDir: string, lab: string): Promise<{ ctl: string; created: boolean }> {
    const p = vdePaths(networksDir, lab)
    await this.runner.run(binary, vdeSwitchArgs(p), qemuCallOptions(binary, QEMU_PROBE))
    return { ctl: p.ctl, created: true }
  }

  async stopSwitch(_networksDir: string, _lab: string): Promise<void> {}

  async described(dir: string): Promise<boolean> {
    return this.descriptions.has(dir)
  }

  async readDescription(dir: string): Promise<MachineSpec> {
    const m = this.descriptions.get(dir)
    if (!m) throw new Error(`no description in ${dir} in this plan`)
    return structuredClone(m)
  }

  async writeDescription(dir: string, m: MachineSpec): Promise<void> {
    this.descriptions.set(dir, structuredClone(m))
  }

  async machineFolders(vmsDir: string): Promise<string[]> {
    return [...this.descriptions.keys()].filter((dir) => dirname(dir) === vmsDir).map((dir) => basename(dir))
  }

  async emptyFolder(_dir: string): Promise<void> {}

  async removeFolder(dir: string): Promise<void> {
    this.descriptions.delete(dir)
  }

  async copyFile(_from: string, _to: string, _opts?: { private?: boolean }): Promise<void> {}

  async removeFile(_path: string): Promise<void> {}

  async writeCloudBaseSeed(_path: string, _seed: CloudBaseSeed): Promise<void> {}

  /** The copy is named in the plan's image source already. */
  async cachedCloudImage(_cacheRoot: string, image: string, _sha256: string): Promise<string> {
    return image
  }

  /** Every first boot goes well in a plan: its console ends with the base seed's ready line. */
  async serialConsole(_files: VmFiles): Promise<string> {
    return `${BASE_READY_MARK}\n`
  }

  async folderBytes(_dir: string): Promise<number> {
    return 0
  }

  async portFree(_port: number): Promise<boolean> {
    return true
  }

  async startVm(qemu: string, spec: VmSpec): Promise<void> {
    await this.runner.run(qemu, qemuArgv(spec))
    this.running.set(spec.files.pid, { paused: false })
  }

  async vmRunning(files: VmFiles): Promise<boolean> {
    return this.running.has(files.pid)
  }

  async runState(files: VmFiles): Promise<RunState> {
    const vm = this.running.get(files.pid)
    return vm === undefined ? 'poweroff' : vm.paused ? 'paused' : 'running'
  }

  /** A VM waited for is an installer or a first boot, which powers off when done. */
  async waitForPowerOff(files: VmFiles, _timeoutMs: number, _pollMs: number): Promise<boolean> {
    this.running.delete(files.pid)
    return true
  }

  async stopVm(files: VmFiles, _graceMs: number): Promise<void> {
    this.running.delete(files.pid)
  }

  async pause(files: VmFiles): Promise<void> {
    this.setPaused(files, true)
  }

  async resume(files: VmFiles): Promise<void> {
    this.setPaused(files, false)
  }

  private setPaused(files: VmFiles, paused: boolean): void {
    const vm = this.running.get(files.pid)
    if (vm) vm.paused = paused
  }

  async typeKeys(_files: VmFiles, _keys: string[], _opts: { delayMs: number; gapMs: number }): Promise<void> {}

  async saveLiveSnapshot(_files: VmFiles, _name: string): Promise<void> {}

  async loadLiveSnapshot(_files: VmFiles, _name: string): Promise<void> {}

  async deleteLiveSnapshot(_files: VmFiles, _name: string): Promise<void> {}
}
