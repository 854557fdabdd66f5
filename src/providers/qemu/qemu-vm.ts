import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { open, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { LabError } from '../../util/errors.js'
import { noteStarted } from '../../util/run.js'
import { QmpClient, withQmp } from './qmp.js'
import { ensureSocketFolder, socketPath } from './socket-path.js'
import { sleep } from '../../util/sleep.js'
import { pidAlive } from '../../util/pid-alive.js'

/**
 * One QEMU process: its command line (pure, from a `VmSpec`), starting it detached, and
 * stopping it (guest power-off, then QMP `quit`, then SIGKILL). The command line follows
 * reference/qemu.md; accelerator detection is `accel.ts`'s job.
 */

export type Accel = 'kvm' | 'hvf' | 'whpx' | 'tcg'

/** Block node names, so QMP jobs (`snapshot-save`, `snapshot-load`) can name the disks. */
export const DISK_NODE = 'disk0'
export const SEED_NODE = 'seed0'

/** Where a running VM keeps its pid, monitor socket and logs. */
export interface VmFiles {
  qmp: string
  pid: string
  serial: string
  /** QEMU's own stdout and stderr. */
  log: string
}

export function vmFiles(dir: string): VmFiles {
  return {
    // A folder too deep for a socket path gets a short stand-in (socket-path.ts).
    qmp: socketPath(join(dir, 'qmp.sock')),
    pid: join(dir, 'qemu.pid'),
    serial: join(dir, 'serial.log'),
    log: join(dir, 'qemu.log'),
  }
}

export interface PortForward {
  host: number
  guest: number
  protocol?: 'tcp' | 'udp'
}

export interface VmSpec {
  name: string
  /** The guest CPU; x86_64 when left out (a PC). */
  arch?: 'x86_64' | 'aarch64'
  /** aarch64: the UEFI code (raw, read-only) and this VM's own variable store (qcow2, so that savevm takes it too), as pflash. */
  firmware?: { code: string; vars: string }
  accel: Accel
  cpus: number
  memoryMiB: number
  /** The qcow2 the VM boots from (a linked clone's overlay). */
  disk: string
  /** Boot this kernel (images from `lab image build`); without it the disk's boot loader runs. */
  kernel?: { path: string; initrd?: string; append?: string }
  /**
   * The identity seed disc. Attached as a read-only virtio disk: every kernel with virtio-blk
   * reads it (no CD-ROM driver needed) and the agent finds it by its label; read-only disks
   * are left out of live snapshots, so a raw ISO does not block `savevm`.
   */
  seed?: string
  /** Host port on 127.0.0.1 forwarded to the guest's port 22. */
  sshPort: number
  forwards?: PortForward[]
  /** MAC of the user-mode (NAT) NIC; QEMU's default when left out. */
  natMac?: string
  /** The lab LAN: a vde_switch control directory and this node's fixed MAC. */
  lab?: { vdeSocket: string; mac: string }
  /** Resume this live snapshot instead of booting. */
  loadvm?: string
  /** Install media (ISO installs): booted once from the first, the VM exits instead of rebooting. */
  cdroms?: string[]
  files: VmFiles
}

// QEMU splits -drive / -netdev option strings at commas ("," is written ",,").
function optValue(value: string): string {
  return value.replace(/,/g, ',,')
}

/**
 * Under TCG the guest's TSC jumps by the time a live snapshot was kept when it is loaded, and a guest timing
 * with it sees every timer expire at once (a swarm then drops all its nodes and reschedules every task).
 * QEMU's HPET counts the VM's virtual time, which a loaded snapshot continues: measured, the swarm lab was
 * healthy 35 s after `lab reset` with it, 115–200 s with the TSC. Hardware accelerators bring kvm-clock.
 */
const TCG_CLOCKSOURCE = 'clocksource=hpet'

function accelArg(accel: Accel): string {
  // TCG with one host thread per vCPU: measured fastest on 2 cores (reference/qemu.md).
  return accel === 'tcg' ? 'tcg,thread=multi' : accel
}

function hostfwd(f: PortForward): string {
  return `hostfwd=${f.protocol ?? 'tcp'}:127.0.0.1:${f.host}-:${f.guest}`
}

export function qemuArgv(spec: VmSpec): string[] {
  const arm = spec.arch === 'aarch64'
  const argv = [
    '-name',
    optValue(spec.name),
    // aarch64 has no PC: `virt` is QEMU's generic ARM machine (PCIe, virtio, UEFI from pflash).
    // Under KVM the interrupt controller must be the host's kind; HVF and TCG emulate the default one.
    ...(arm ? ['-machine', spec.accel === 'kvm' ? 'virt,gic-version=host' : 'virt'] : []),
    '-accel',
    accelArg(spec.accel),
    '-smp',
    String(spec.cpus),
    // Hardware acceleration passes the host CPU through; TCG emulates every feature it knows.
    '-cpu',
    spec.accel === 'kvm' || spec.accel === 'hvf' ? 'host' : 'max',
    '-m',
    String(spec.memoryMiB),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-serial',
    `file:${spec.files.serial}`,
  ]
  if (arm && spec.firmware) {
    argv.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${optValue(spec.firmware.code)}`)
    argv.push('-drive', `if=pflash,format=qcow2,unit=1,file=${optValue(spec.firmware.vars)}`)
  }
  if (spec.kernel !== undefined) {
    argv.push('-kernel', spec.kernel.path)
    if (spec.kernel.initrd !== undefined) argv.push('-initrd', spec.kernel.initrd)
    const append = [spec.kernel.append, spec.accel === 'tcg' && !arm ? TCG_CLOCKSOURCE : undefined].filter((a) => a !== undefined).join(' ')
    if (append) argv.push('-append', append)
  }
  argv.push('-drive', `file=${optValue(spec.disk)},if=virtio,format=qcow2,discard=unmap,node-name=${DISK_NODE}`)
  if (spec.seed !== undefined) {
    argv.push('-drive', `file=${optValue(spec.seed)},if=virtio,format=raw,readonly=on,node-name=${SEED_NODE}`)
  }
  if (arm) {
    // `virt` has no IDE: the discs hang off virtio-scsi, and UEFI boots the first one by its bootindex.
    if (spec.cdroms?.length) argv.push('-device', 'virtio-scsi-pci,id=scsi0')
    for (const [i, iso] of (spec.cdroms ?? []).entries()) {
      argv.push('-drive', `file=${optValue(iso)},if=none,media=cdrom,readonly=on,id=cd${i}`, '-device', `scsi-cd,drive=cd${i}${i === 0 ? ',bootindex=0' : ''}`)
    }
    if (spec.cdroms?.length) argv.push('-no-reboot')
    // No PS/2 on `virt`: the boot menu is typed at (QMP send-key) through a USB keyboard.
    argv.push('-device', 'qemu-xhci', '-device', 'usb-kbd')
  } else {
    for (const [i, iso] of (spec.cdroms ?? []).entries()) argv.push('-drive', `file=${optValue(iso)},media=cdrom,readonly=on,if=ide,index=${i}`)
    // The installer powers off at the end; -no-reboot makes a reboot end QEMU too, so it never loops.
    if (spec.cdroms?.length) argv.push('-boot', 'order=cd,once=d', '-no-reboot')
  }
  // The NAT NIC comes first on the PCI bus, so the guest names it eth0.
  const nat = ['user', 'id=nat', hostfwd({ host: spec.sshPort, guest: 22 }), ...(spec.forwards ?? []).map(hostfwd)]
  argv.push('-netdev', nat.join(','), '-device', `virtio-net-pci,netdev=nat${spec.natMac ? `,mac=${spec.natMac}` : ''}`)
  if (spec.lab !== undefined) {
    argv.push('-netdev', `vde,id=lab,sock=${optValue(spec.lab.vdeSocket)}`, '-device', `virtio-net-pci,netdev=lab,mac=${spec.lab.mac}`)
  }
  // The guest hands the memory it frees back to QEMU, which reads as zeros from then on: a live snapshot
  // taken after the guest dropped its caches stores only the memory in use.
  argv.push('-device', 'virtio-balloon-pci,free-page-reporting=on')
  argv.push('-qmp', `unix:${optValue(spec.files.qmp)},server=on,wait=off`, '-pidfile', spec.files.pid)
  if (spec.loadvm !== undefined) argv.push('-loadvm', spec.loadvm)
  return argv
}

async function tail(path: string, lines: number): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '')
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

/**
 * The pid of the QEMU that wrote `files.pid`, if it still runs. On Linux the process's
 * command line must name that pid file, so a recycled pid is never taken for ours.
 */
export async function vmPid(files: VmFiles): Promise<number | undefined> {
  const pid = Number((await readFile(files.pid, 'utf8').catch(() => '')).trim())
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  if (!pidAlive(pid)) return undefined
  if (process.platform === 'linux') {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    if (!cmdline.split('\0').includes(files.pid)) return undefined
  }
  return pid
}

export async function vmRunning(files: VmFiles): Promise<boolean> {
  return (await vmPid(files)) !== undefined
}

/**
 * Starts QEMU detached in its own session (not `-daemonize`, which breaks `exec:` migration),
 * output to `files.log`, and returns once its monitor answers.
 */
export async function startVm(spec: VmSpec, opts: { qemu?: string; timeoutMs?: number } = {}): Promise<number> {
  const qemu = opts.qemu ?? 'qemu-system-x86_64'
  const { files } = spec
  if (await vmRunning(files)) throw new LabError(`${spec.name} is already running (pid file ${files.pid})`)
  await ensureSocketFolder(files.qmp)
  await rm(files.qmp, { force: true })
  await rm(files.pid, { force: true })
  const log = await open(files.log, 'a')
  // spawn, not run(): run() waits for the program to end and this one runs on after we exit.
  const argv = qemuArgv(spec)
  const child = spawn(qemu, argv, {
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
    env: { ...process.env, LANG: 'C', LC_ALL: 'C' },
  })
  await log.close()
  noteStarted([qemu, ...argv], child.pid)
  let exited: string | undefined
  child.once('exit', (code, signal) => (exited = signal ?? `exit ${code}`))
  child.once('error', (e) => (exited = e.message))
  child.unref()
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000)
  for (;;) {
    if (exited !== undefined) {
      throw new LabError(`QEMU stopped while starting ${spec.name} (${exited}):\n${await tail(files.log, 10)}`, {
        hint: `the full log is ${files.log}`,
      })
    }
    if (existsSync(files.qmp) && (await vmPid(files)) !== undefined) {
      // The socket file appears before QEMU accepts on it: one handshake proves it is ready.
      const ready = await QmpClient.connect(files.qmp, { timeoutMs: 2_000 }).then(
        (q) => {
          q.close()
          return true
        },
        () => false,
      )
      if (ready) return (await vmPid(files)) ?? child.pid ?? 0
    }
    if (Date.now() > deadline) {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL')
      throw new LabError(`QEMU did not come up for ${spec.name} within ${opts.timeoutMs ?? 30_000} ms:\n${await tail(files.log, 10)}`)
    }
    await sleep(100)
  }
}

async function gone(files: VmFiles, pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    if ((await vmPid(files)) !== pid) return true
    if (Date.now() >= deadline) return false
    await sleep(200)
  }
}

export type StopOutcome = 'not-running' | 'powerdown' | 'quit' | 'killed'

/**
 * Stops a VM: ACPI power button and `graceMs` for the guest to shut down (skipped when the VM
 * is paused or `graceMs` is 0), then QMP `quit` and `quitMs` for QEMU to exit, then SIGKILL.
 * Removes the pid file and socket.
 */
export async function stopVm(files: VmFiles, opts: { graceMs?: number; quitMs?: number } = {}): Promise<StopOutcome> {
  const pid = await vmPid(files)
  let outcome: StopOutcome = 'not-running'
  if (pid !== undefined) outcome = await stopPid(files, pid, opts.graceMs ?? 60_000, opts.quitMs ?? 10_000)
  await rm(files.pid, { force: true })
  await rm(files.qmp, { force: true })
  return outcome
}

async function stopPid(files: VmFiles, pid: number, graceMs: number, quitMs: number): Promise<StopOutcome> {
  if (graceMs > 0) {
    const asked = await withQmp(files.qmp, async (qmp) => {
      const status = await qmp.execute<{ running: boolean }>('query-status')
      if (!status.running) return false
      await qmp.execute('system_powerdown')
      return true
    }).catch(() => false)
    if (asked && (await gone(files, pid, graceMs))) return 'powerdown'
  }
  await withQmp(files.qmp, (qmp) => qmp.execute('quit'), { timeoutMs: 5_000 }).catch(() => undefined)
  if (await gone(files, pid, quitMs)) return 'quit'
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // exited in between
  }
  if (await gone(files, pid, 10_000)) return 'killed'
  throw new LabError(`QEMU (pid ${pid}) did not exit after SIGKILL`)
}
