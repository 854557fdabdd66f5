/**
 * QEMU: every VM is a folder (disk, description, seed disc; pid file, monitor socket and logs while it
 * runs), linked clones are qcow2 overlays on the base's disk, the lab LAN is a vde_switch, SSH and the
 * ports a lab declares are forwarded on 127.0.0.1 through user-mode NAT. Snapshots are qcow2 internal
 * snapshots: offline through qemu-img, live (memory included) through the monitor, so a reset needs no boot.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { BaseSpec, CloneSpec, DiskUsage, Endpoint, NetworkHandle, NetworkSpec, Provider, ProviderInfo, Preflight, VmState, BaseSource } from '../provider.js'
import type { OsInfo } from '../../lab/os-catalog.js'
import { realRunner, type CliRunner } from '../cli-runner.js'
import { HostError, LabError } from '../../util/errors.js'
import type { QemuImg } from './qemu-img.js'
import { machinePaths, runSpec, type MachineSpec } from './machine.js'
import type { Accel } from './qemu-vm.js'
import { qemuDriver, type QemuDriver } from './driver.js'
import { cacheRoot } from './image-cache.js'
import { QEMU_CAPABILITIES } from './capabilities.js'
import { BASE_FAILED_MARK, BASE_READY_MARK, BASE_STATUS_MARK } from '../../media/cloud-base-seed.js'
import { cpuLevelProblem, hostCpuFlags } from './cpu-level.js'
import { aarch64Accel, x86OnArmAccel } from './arch-support.js'
import { NO_FIRMWARE_FIX, firmwareCandidates, type Firmware } from './firmware.js'
import { hostPlatform, type HostPlatform } from '../../util/host-platform.js'

export interface QemuProviderOptions {
  runner?: CliRunner
  /** What touches the machine; by default the real driver, or the plan's for a recording runner. */
  driver?: QemuDriver
  env?: NodeJS.ProcessEnv
  /** The lab's name (its network's name). */
  lab: string
  /** The guests' CPU (the lab's arch): qemu-system-aarch64 on the `virt` machine with UEFI for aarch64. */
  arch?: 'x86_64' | 'aarch64'
  /** The machine QEMU runs on; this one by default. */
  host?: HostPlatform
  /** Root of VM folders and networks; default $VMLAB_QEMU_DIR, else the platform's data folder. */
  dataDir?: string
  /** From the installer's start to typing at its boot menu (ms). */
  bootWaitMs?: number
  pollIntervalMs?: number
  stopTimeoutMs?: number
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VMLAB_QEMU_DIR) return env.VMLAB_QEMU_DIR
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'vmlab', 'qemu')
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'vmlab', 'qemu')
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'vmlab', 'qemu')
}

/** The NAT NIC's MAC: the lab MAC's tail under another prefix, so both are unique per node. */
export function natMacFor(labMac: string): string {
  return `52:54:01:${labMac.split(':').slice(3).join(':')}`
}

function tail(text: string | undefined, lines = 30): string {
  return text === undefined ? '(no log)' : text.split('\n').slice(-lines).join('\n')
}

/** What the base seed's finish step printed: `cloud-init status --long` between its two marks. */
export function cloudInitReport(console: string): string | undefined {
  const end = console.lastIndexOf(BASE_FAILED_MARK)
  if (end < 0) return undefined
  const start = console.lastIndexOf(BASE_STATUS_MARK, end)
  return (start < 0 ? console.slice(0, end) : console.slice(start + BASE_STATUS_MARK.length, end)).replace(/\r/g, '').trim()
}

export class QemuProvider implements Provider {
  readonly name = 'qemu' as const
  readonly capabilities = QEMU_CAPABILITIES
  private readonly driver: QemuDriver
  private readonly env: NodeJS.ProcessEnv
  private readonly root: string
  private qemu = 'qemu-system-x86_64'
  private qemuImg = 'qemu-img'
  private vde = 'vde_switch'
  private accel: Accel = 'tcg'
  private readonly arch: 'x86_64' | 'aarch64'
  private firmware: Firmware | undefined
  private version = 'unknown'
  private img: QemuImg
  /** Port choices are serialised and remembered until the VM's description holds them: clones are made in parallel. */
  private portLock: Promise<unknown> = Promise.resolve()
  private readonly reserved = new Set<number>()

  constructor(private readonly opts: QemuProviderOptions) {
    this.driver = opts.driver ?? qemuDriver(opts.runner ?? realRunner)
    this.env = opts.env ?? process.env
    this.root = opts.dataDir ?? defaultDataDir(this.env)
    this.arch = opts.arch ?? 'x86_64'
    if (this.arch === 'aarch64') this.qemu = 'qemu-system-aarch64'
    this.img = this.driver.qemuImg(this.qemuImg)
  }

  private dir(vm: string): string {
    return join(this.root, 'vms', vm)
  }

  async detect(): Promise<ProviderInfo> {
    const problems: Preflight[] = []
    const tools = this.driver.findTools(this.env, this.arch)
    if (!tools.qemu)
      throw new HostError(`QEMU is not installed: qemu-system-${this.arch} is not on PATH`, {
        hint: `install QEMU (Debian/Ubuntu: apt install ${this.arch === 'aarch64' ? 'qemu-system-arm qemu-efi-aarch64' : 'qemu-system-x86'} qemu-utils vde-switch; macOS: brew install qemu)`,
      })
    this.qemu = tools.qemu
    if (this.arch === 'aarch64') {
      this.firmware = this.driver.firmware(this.qemu)
      if (!this.firmware)
        problems.push({
          problem: `no UEFI firmware for aarch64 guests (looked for ${firmwareCandidates(this.qemu)
            .map((f) => f.code)
            .join(', ')})`,
          fix: NO_FIRMWARE_FIX,
          fatal: true,
        })
    }
    if (tools.qemuImg) this.qemuImg = tools.qemuImg
    else problems.push({ problem: 'qemu-img is not installed', fix: 'install it (Debian/Ubuntu: apt install qemu-utils)', fatal: true })
    this.img = this.driver.qemuImg(this.qemuImg)
    if (tools.vde) this.vde = tools.vde
    else
      problems.push({
        problem: 'vde_switch is not installed: it carries the lab network between the VMs without root',
        fix: 'install it (Debian/Ubuntu: apt install vde-switch; Fedora: dnf install vde2; macOS: brew install vde)',
        fatal: true,
      })
    const version = /version (\d+\.\d+(\.\d+)?)/.exec(await this.driver.version(this.qemu, this.env))?.[1] ?? 'unknown'
    this.version = version
    // The accelerator probe boots an x86 boot sector: an aarch64 guest's accelerator follows from the host, and
    // an x86-64 guest on an ARM host is emulated (HVF and KVM run the host's own CPU only).
    const host = this.opts.host ?? hostPlatform(this.env)
    const choice =
      this.arch === 'aarch64'
        ? aarch64Accel(host, this.env)
        : host.arch === 'arm64'
          ? x86OnArmAccel(this.env)
          : await this.driver.accel(this.qemu, join(cacheRoot(this.env), 'qemu-accel.json'), this.env)
    this.accel = choice.accel
    if (choice.note) problems.push({ problem: choice.note, fix: 'labs work, but boots take about a minute per VM', fatal: false })
    return { name: 'qemu', binary: this.qemu, version, product: `QEMU ${version} (${this.accel})`, problems }
  }

  async ensureNetwork(spec: NetworkSpec): Promise<NetworkHandle> {
    const r = await this.driver.ensureSwitch(this.vde, join(this.root, 'networks'), spec.lab)
    return { id: r.ctl, created: true }
  }

  async removeNetwork(handle: NetworkHandle): Promise<void> {
    if (handle.created) await this.driver.stopSwitch(join(this.root, 'networks'), this.opts.lab)
  }

  async releaseIdleNetwork(_handle: NetworkHandle, vms: string[]): Promise<void> {
    for (const vm of vms) if ((await this.state(vm)) === 'running') return
    await this.driver.stopSwitch(join(this.root, 'networks'), this.opts.lab)
  }

  private async newMachine(name: string): Promise<string> {
    const dir = this.dir(name)
    if (await this.driver.described(dir)) throw new LabError(`a QEMU VM named ${name} exists already`, { hint: 'lab destroy removes it' })
    // A folder without its description is what an interrupted create leaves: start again.
    await this.driver.emptyFolder(dir)
    return dir
  }

  private async sshPort(): Promise<number> {
    const pick = async () => {
      const used = new Set<number>(this.reserved)
      for (const vm of await this.list('')) {
        try {
          const s = await this.driver.readDescription(this.dir(vm))
          used.add(s.sshPort)
          for (const f of s.forwards) used.add(f.host)
        } catch {
          // a VM being created
        }
      }
      for (let port = 2222; port < 2222 + 1000; port++) {
        if (used.has(port) || !(await this.driver.portFree(port))) continue
        this.reserved.add(port)
        return port
      }
      throw new LabError('no free local port for SSH between 2222 and 3221')
    }
    const next = this.portLock.then(pick, pick)
    this.portLock = next.catch(() => undefined)
    return next
  }

  async createBase(spec: BaseSpec): Promise<void> {
    // Before the machine exists: an installer on too old a CPU stops at boot with a line nobody reads.
    const cpu = cpuLevelProblem(spec.os, this.accel, this.version, this.accel === 'tcg' ? undefined : hostCpuFlags())
    if (cpu) throw new LabError(cpu.problem, { hint: cpu.fix })
    const dir = await this.newMachine(spec.name)
    const p = machinePaths(dir)
    const m: MachineSpec = { name: spec.name, cpus: spec.cpus, memoryMiB: spec.memoryMiB, disk: p.disk, natMac: '52:54:01:00:00:01', labMac: '52:54:00:00:00:01', sshPort: 0, forwards: [] }
    if (spec.source.kind === 'cloud-image') {
      await this.firstBootFromCloudImage(spec, spec.source, dir, m)
      return
    }
    if (spec.source.kind === 'image') {
      // An overlay: the cached image itself is never written to.
      await this.img.overlay(p.disk, spec.source.disk)
      if (spec.source.kernel) {
        m.kernel = join(dir, 'vmlinuz')
        await this.driver.copyFile(spec.source.kernel, m.kernel)
      }
      if (spec.source.initrd) {
        m.initrd = join(dir, 'initrd.img')
        await this.driver.copyFile(spec.source.initrd, m.initrd)
      }
      if (spec.source.append) m.append = spec.source.append
      await this.driver.writeDescription(dir, m)
      return
    }
    await this.img.create(p.disk, spec.diskGiB)
    if (this.arch === 'aarch64') await this.ownFirmware(m, p.efiVars, this.firmware?.varsTemplate, 'raw')
    m.cdroms = [spec.source.installIso, spec.source.oemdrvIso]
    m.vdeSocket = spec.network.id
    m.sshPort = await this.sshPort()
    await this.driver.writeDescription(dir, m)
    await this.start(spec.name)
    await this.typeAtBootMenu(spec.name)
    await this.waitForPowerOff(spec.name, spec.installTimeoutMs)
    delete m.cdroms
    await this.driver.writeDescription(dir, m)
  }

  /**
   * A base from the user's cloud image: an overlay (as large as the lab's disk; cloud-init grows the root file
   * system into it) on the cached copy, booted once through the image's own boot loader with the base seed.
   * cloud-init bakes the packages in, resets itself and powers off; the console says whether it went well.
   * An error leaves the base without its snapshot, which the next `lab up` removes and builds again.
   */
  private async firstBootFromCloudImage(spec: BaseSpec, source: Extract<BaseSource, { kind: 'cloud-image' }>, dir: string, m: MachineSpec): Promise<void> {
    const p = machinePaths(dir)
    const cached = await this.driver.cachedCloudImage(cacheRoot(this.env), source.image, source.sha256)
    const info = await this.img.info(cached)
    if (info.format !== 'qcow2' || info.backing !== undefined) {
      throw new LabError(`the cloud image ${source.image} is ${info.backing !== undefined ? `an overlay on ${info.backing}` : `in ${info.format} format`}, not a standalone qcow2 image`, {
        hint: 'give the full image: qemu-img convert -O qcow2 IMAGE standalone.qcow2',
      })
    }
    await this.img.overlay(p.disk, cached, Math.max(spec.diskGiB * 1024 ** 3, info.virtualSize))
    // It holds the lab's password hashes: the driver keeps it private.
    await this.driver.writeCloudBaseSeed(p.seed, { ...source.seed, natMac: m.natMac })
    m.seed = p.seed
    m.sshPort = await this.sshPort()
    await this.driver.writeDescription(dir, m)
    await this.start(spec.name)
    await this.waitForPowerOff(spec.name, spec.installTimeoutMs)
    const serial = await this.driver.serialConsole(p)
    const console = serial ?? ''
    if (!console.includes(BASE_READY_MARK)) {
      const status = cloudInitReport(console)
      const why = status !== undefined ? `cloud-init reported errors:\n${status}` : `it powered off before cloud-init had finished; its serial console ended with:\n${tail(serial, 40)}`
      throw new LabError(`the first boot of ${spec.name} from the cloud image failed: ${why}`, {
        hint: `run \`lab up\` again to retry (the base is built again); the whole console log is ${p.serial}`,
      })
    }
    delete m.seed
    await this.driver.writeDescription(dir, m)
    await this.driver.removeFile(p.seed)
  }

  /** Picks "Install …" above the default "Test this media & install": skips the 60 s wait and the media check. */
  private async typeAtBootMenu(vm: string): Promise<void> {
    await this.driver.typeKeys(machinePaths(this.dir(vm)), ['up', 'ret'], { delayMs: this.opts.bootWaitMs ?? 10_000, gapMs: 300 })
  }

  private async waitForPowerOff(vm: string, timeoutMs: number): Promise<void> {
    const p = machinePaths(this.dir(vm))
    if (await this.driver.waitForPowerOff(p, timeoutMs, this.opts.pollIntervalMs ?? 2000)) return
    const log = tail(await this.driver.serialConsole(p))
    await this.stop(vm, { force: true })
    throw new LabError(`the installer of ${vm} did not finish within ${Math.round(timeoutMs / 60000)} min; its serial console ended with:\n${log}`, {
      hint: 'run `lab up` again to retry; see the console log above for the cause',
    })
  }

  async cloneLinked(spec: CloneSpec): Promise<void> {
    const base = await this.spec(spec.base)
    const dir = await this.newMachine(spec.name)
    const p = machinePaths(dir)
    await this.img.overlay(p.disk, base.disk)
    // The seed carries the node's private host key.
    await this.driver.copyFile(spec.seedIso, p.seed, { private: true })
    const m: MachineSpec = {
      name: spec.name,
      cpus: spec.cpus,
      memoryMiB: spec.memoryMiB,
      disk: p.disk,
      ...(base.arch ? { arch: base.arch } : {}),
      ...(base.kernel ? { kernel: base.kernel } : {}),
      ...(base.initrd ? { initrd: base.initrd } : {}),
      ...(base.append ? { append: base.append } : {}),
      seed: p.seed,
      natMac: natMacFor(spec.mac),
      labMac: spec.mac,
      vdeSocket: spec.network.id,
      sshPort: await this.sshPort(),
      forwards: spec.forwards,
      base: spec.base,
    }
    // The clone boots through the base's boot entry, which the installer wrote into the base's variable store.
    if (base.firmware) await this.ownFirmware(m, p.efiVars, base.firmware.vars, 'qcow2', base.firmware.code)
    await this.driver.writeDescription(dir, m)
    await this.img.snapshotCreate(p.disk, spec.initialSnapshot)
  }

  /**
   * An aarch64 VM's firmware: the shared code, and its own copy of a variable store, as qcow2: a raw writable
   * drive would make every live snapshot (savevm) fail.
   */
  private async ownFirmware(m: MachineSpec, vars: string, from: string | undefined, format: 'raw' | 'qcow2', code = this.firmware?.code): Promise<void> {
    if (from === undefined || code === undefined) throw new LabError('no UEFI firmware for aarch64 guests', { hint: NO_FIRMWARE_FIX })
    await this.img.copyAsQcow2(from, format, vars)
    m.arch = 'aarch64'
    m.firmware = { code, vars }
  }

  private async spec(vm: string): Promise<MachineSpec> {
    try {
      return await this.driver.readDescription(this.dir(vm))
    } catch {
      throw new LabError(`no QEMU VM named ${vm}`, { hint: 'lab up creates it' })
    }
  }

  async start(vm: string): Promise<void> {
    const dir = this.dir(vm)
    const p = machinePaths(dir)
    const spec = await this.spec(vm)
    if (await this.driver.vmRunning(p)) return
    // The SSH port is ours to choose: take another if something else holds it now.
    if (!(await this.driver.portFree(spec.sshPort))) {
      spec.sshPort = await this.sshPort()
      await this.driver.writeDescription(dir, spec)
    }
    for (const f of spec.forwards) {
      if (!(await this.driver.portFree(f.host)))
        throw new LabError(`port ${f.host} on 127.0.0.1, forwarded to ${vm}:${f.guest}, is in use by another program`, { hint: 'stop that program, or change the forward in the lab file' })
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await this.driver.startVm(this.qemu, runSpec(spec, dir, this.accel))
        break
      } catch (err) {
        // Free when looked at, taken by the time QEMU bound it (another lab starting at the same moment):
        // the SSH port is ours to choose, so take another; a port the lab file forwards is not.
        if (attempt >= 3 || !sshPortLost(err, spec.sshPort)) throw err
        spec.sshPort = await this.sshPort()
        await this.driver.writeDescription(dir, spec)
      }
    }
    if (spec.loadvm) {
      // The snapshot is resumed; the next start is an ordinary boot again.
      delete spec.loadvm
      await this.driver.writeDescription(dir, spec)
    }
  }

  async stop(vm: string, opts: { timeoutMs?: number; force?: boolean } = {}): Promise<void> {
    await this.driver.stopVm(machinePaths(this.dir(vm)), opts.force ? 0 : (opts.timeoutMs ?? this.opts.stopTimeoutMs ?? 60_000))
  }

  async pause(vm: string): Promise<void> {
    await this.driver.pause(machinePaths(this.dir(vm)))
  }

  async resume(vm: string): Promise<void> {
    await this.driver.resume(machinePaths(this.dir(vm)))
  }

  async state(vm: string): Promise<VmState> {
    const dir = this.dir(vm)
    if (!(await this.driver.described(dir))) return 'missing'
    return this.driver.runState(machinePaths(dir))
  }

  private async running(vm: string): Promise<boolean> {
    return this.driver.vmRunning(machinePaths(this.dir(vm)))
  }

  async snapshotTake(vm: string, name: string, _opts: { live?: boolean } = {}): Promise<void> {
    const p = machinePaths(this.dir(vm))
    if ((await this.snapshotList(vm)).includes(name)) throw new LabError(`${vm} already has a snapshot named ${name}`, { hint: 'delete it first, or pick another name' })
    // A running VM is snapshotted over its monitor, memory included.
    if (await this.running(vm)) await this.driver.saveLiveSnapshot(p, name)
    else await this.img.snapshotCreate(p.disk, name)
  }

  async snapshotRestore(vm: string, name: string): Promise<void> {
    const dir = this.dir(vm)
    const p = machinePaths(dir)
    const snap = (await this.img.snapshots(p.disk, await this.running(vm))).find((s) => s.tag === name)
    if (!snap) throw new LabError(`${vm} has no snapshot named ${name}`)
    if (await this.running(vm)) {
      if (snap.vmStateBytes > 0) {
        await this.driver.loadLiveSnapshot(p, name)
        return
      }
      await this.stop(vm, { force: true })
    }
    const spec = await this.driver.readDescription(dir)
    if (snap.vmStateBytes > 0) spec.loadvm = name
    else {
      delete spec.loadvm
      await this.img.snapshotApply(p.disk, name)
    }
    await this.driver.writeDescription(dir, spec)
  }

  async snapshotList(vm: string): Promise<string[]> {
    return (await this.img.snapshots(machinePaths(this.dir(vm)).disk, await this.running(vm))).map((s) => s.tag)
  }

  async snapshotMemory(vm: string): Promise<Record<string, number>> {
    // The VM SIZE column of `qemu-img snapshot -l`: the savevm state, stored in the qcow2 beside the disk.
    const snaps = await this.img.snapshots(machinePaths(this.dir(vm)).disk, await this.running(vm))
    return Object.fromEntries(snaps.map((s) => [s.tag, s.vmStateBytes]))
  }

  async snapshotDelete(vm: string, name: string): Promise<void> {
    const p = machinePaths(this.dir(vm))
    if (await this.running(vm)) await this.driver.deleteLiveSnapshot(p, name)
    else await this.img.snapshotDelete(p.disk, name)
  }

  async destroy(vm: string): Promise<void> {
    const users: string[] = []
    for (const other of await this.list('')) {
      if (other === vm) continue
      const s = await this.driver.readDescription(this.dir(other)).catch(() => undefined)
      if (s?.base === vm) users.push(other)
    }
    if (users.length) throw new LabError(`${vm} is the base of ${users.join(', ')}`, { hint: 'destroy the lab nodes first (lab destroy does that)' })
    await this.stop(vm, { force: true })
    await this.driver.removeFolder(this.dir(vm))
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.driver.machineFolders(join(this.root, 'vms'))).filter((n) => n.startsWith(prefix)).sort()
  }

  async diskFolder(): Promise<string> {
    return join(this.root, 'vms')
  }

  async sshEndpoint(vm: string): Promise<Endpoint> {
    return { host: '127.0.0.1', port: (await this.spec(vm)).sshPort }
  }

  async diskUsage(vm: string): Promise<DiskUsage> {
    const dir = this.dir(vm)
    const total = await this.driver.folderBytes(dir)
    const snaps = await this.img.snapshots(machinePaths(dir).disk, await this.running(vm)).catch(() => [])
    return { bytes: total, snapshotMemoryBytes: snaps.reduce((sum, s) => sum + s.vmStateBytes, 0) }
  }

  uplinkMac(labMac: string): string {
    return natMacFor(labMac)
  }

  async imageSource(os: OsInfo, opts: { packages: string[]; onProgress?: (message: string) => void }): Promise<BaseSource> {
    if (os.family !== 'debian') throw new LabError(`${os.title} is installed from its ISO, not built as an image`)
    const { buildDebianImage } = await import('./image-debian.js')
    const { identityAgentFiles } = await import('../../media/identity-agent.js')
    const agent = identityAgentFiles()
    const image = await buildDebianImage({
      extraPackages: opts.packages,
      agent: { files: agent.files, enableUnits: agent.enableUnits },
      ...(opts.onProgress ? { onProgress: (e: { message: string }) => opts.onProgress!(e.message) } : {}),
    })
    return { kind: 'image', disk: image.disk, kernel: image.kernel, initrd: image.initrd, append: image.manifest.kernelArgs }
  }
}

/** QEMU's refusal of the SSH forward: `Could not set up host forwarding rule 'tcp:127.0.0.1:2224-:22'`. */
function sshPortLost(err: unknown, port: number): boolean {
  return err instanceof Error && err.message.includes(`Could not set up host forwarding rule 'tcp:127.0.0.1:${port}-:22'`)
}
