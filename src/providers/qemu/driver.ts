/**
 * Everything the QEMU provider does to the machine: the programs it starts (through the CliRunner), the VM
 * folders and their descriptions, the running QEMUs (pid files, the QMP monitor), the lab switch, free-port
 * checks. The provider decides what to do; a driver only knows how. There are two: the real one
 * (real-driver.ts), and the plan's (plan-driver.ts) for `lab plan --commands`, which keeps descriptions and
 * running VMs in memory and records every program it would start through the RecordingRunner.
 */
import type { CliRunner } from '../cli-runner.js'
import type { CloudBaseSeed } from '../../media/cloud-base-seed.js'
import type { AccelChoice } from './accel.js'
import type { MachineSpec } from './machine.js'
import type { QemuImg } from './qemu-img.js'
import type { Firmware } from './firmware.js'
import type { VmFiles, VmSpec } from './qemu-vm.js'
import { RealQemuDriver } from './real-driver.js'
import { PlanQemuDriver } from './plan-driver.js'

/** The QEMU programs found on PATH; a missing one is undefined. */
export interface QemuTools {
  qemu?: string
  qemuImg?: string
  vde?: string
}

/** A described VM's process: not running, or what its monitor says. */
export type RunState = 'poweroff' | 'running' | 'paused' | 'busy'

export interface QemuDriver {
  /** `arch`: the guests' (qemu-system-x86_64 or qemu-system-aarch64). */
  findTools(env: NodeJS.ProcessEnv, arch: 'x86_64' | 'aarch64'): QemuTools
  /** aarch64 guests: the UEFI firmware next to `qemu` or from the distribution's package; undefined when none is installed. */
  firmware(qemu: string): Firmware | undefined
  /** What `qemu --version` printed. */
  version(qemu: string, env: NodeJS.ProcessEnv): Promise<string>
  /** The accelerator to use, probed once per QEMU binary and remembered in `cacheFile`. */
  accel(qemu: string, cacheFile: string, env: NodeJS.ProcessEnv): Promise<AccelChoice>
  /** qemu-img, run through this driver's runner. */
  qemuImg(binary: string): QemuImg

  /** Starts the lab's vde_switch unless it runs already; its control folder. */
  ensureSwitch(binary: string, networksDir: string, lab: string): Promise<{ ctl: string; created: boolean }>
  stopSwitch(networksDir: string, lab: string): Promise<void>

  /** Whether the VM folder holds a description (vm.json). */
  described(dir: string): Promise<boolean>
  /** The folder's description; throws when there is none or it cannot be read. */
  readDescription(dir: string): Promise<MachineSpec>
  writeDescription(dir: string, m: MachineSpec): Promise<void>
  /** The VM folders under `vmsDir`, by name (none when it does not exist). */
  machineFolders(vmsDir: string): Promise<string[]>
  /** Makes `dir` an empty folder, removing whatever was there. */
  emptyFolder(dir: string): Promise<void>
  removeFolder(dir: string): Promise<void>
  /** `private`: readable by the user only (seed discs carry keys and password hashes). */
  copyFile(from: string, to: string, opts?: { private?: boolean }): Promise<void>
  removeFile(path: string): Promise<void>
  /** Writes the base seed disc of a cloud-image first boot, readable by the user only. */
  writeCloudBaseSeed(path: string, seed: CloudBaseSeed): Promise<void>
  /** The cloud image's cached, read-only copy. */
  cachedCloudImage(cacheRoot: string, image: string, sha256: string): Promise<string>
  /** What the VM printed on its serial console; undefined when there is no log. */
  serialConsole(files: VmFiles): Promise<string | undefined>
  /** Bytes the files in `dir` take on disk. */
  folderBytes(dir: string): Promise<number>

  /** Whether 127.0.0.1:`port` can be listened on now. */
  portFree(port: number): Promise<boolean>
  /** Starts QEMU in the background with `qemuArgv(spec)`; returns once its monitor answers. */
  startVm(qemu: string, spec: VmSpec): Promise<void>
  vmRunning(files: VmFiles): Promise<boolean>
  runState(files: VmFiles): Promise<RunState>
  /** Waits while the guest runs; false when `timeoutMs` passed first. */
  waitForPowerOff(files: VmFiles, timeoutMs: number, pollMs: number): Promise<boolean>
  /** Guest power-off with `graceMs` for it (0: none), then QMP `quit`, then SIGKILL. */
  stopVm(files: VmFiles, graceMs: number): Promise<void>
  pause(files: VmFiles): Promise<void>
  resume(files: VmFiles): Promise<void>
  /** After `delayMs`, presses each key (QEMU's key names) with `gapMs` between them. */
  typeKeys(files: VmFiles, keys: string[], opts: { delayMs: number; gapMs: number }): Promise<void>
  /** Live snapshots (memory included) of a running VM, over its monitor. */
  saveLiveSnapshot(files: VmFiles, name: string): Promise<void>
  loadLiveSnapshot(files: VmFiles, name: string): Promise<void>
  deleteLiveSnapshot(files: VmFiles, name: string): Promise<void>
}

/** The real driver, or the plan's when the runner only records. */
export function qemuDriver(runner: CliRunner): QemuDriver {
  return runner.dryRun ? new PlanQemuDriver(runner) : new RealQemuDriver(runner)
}
