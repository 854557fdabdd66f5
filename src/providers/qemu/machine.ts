/**
 * One QEMU VM on disk: a folder with its disk, its description (vm.json), its seed disc, and while it runs
 * its pid file, monitor socket and logs. The argv is built here from the description alone, so `lab plan
 * --commands` and the real start see the same command line.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../../util/files.js'

export interface MachineSpec {
  name: string
  cpus: number
  memoryMiB: number
  /** The disk this VM boots from (its own qcow2, an overlay for clones). */
  disk: string
  /** Boot a kernel directly (images built by `lab image build`), else boot the disk (ISO installs). */
  kernel?: string
  initrd?: string
  append?: string
  /** Install media for an ISO install (removed from the spec when the installer is done). */
  cdroms?: string[]
  /** The seed disc, attached read-only as a virtio disk (the guest finds it by its label). */
  seed?: string
  natMac: string
  labMac: string
  /** vde_switch control folder of the lab network. */
  vdeSocket?: string
  sshPort: number
  forwards: Array<{ host: number; guest: number }>
  /** The base this VM is a linked clone of (a base is not deleted while clones use it). */
  base?: string
  /** A live snapshot to resume from at the next start (set by a restore while the VM was off). */
  loadvm?: string
}

export function machinePaths(dir: string) {
  return {
    dir,
    spec: join(dir, 'vm.json'),
    disk: join(dir, 'disk.qcow2'),
    seed: join(dir, 'seed.iso'),
    pid: join(dir, 'qemu.pid'),
    qmp: join(dir, 'qmp.sock'),
    serial: join(dir, 'serial.log'),
    log: join(dir, 'qemu.log'),
  }
}

export async function readSpec(dir: string): Promise<MachineSpec> {
  return JSON.parse(await readFile(machinePaths(dir).spec, 'utf8')) as MachineSpec
}

export async function writeSpec(dir: string, spec: MachineSpec): Promise<void> {
  await writeFileAtomic(machinePaths(dir).spec, JSON.stringify(spec, null, 2) + '\n')
}

export type Accel = 'kvm' | 'hvf' | 'whpx' | 'tcg'

/** The command line, from the measured-fastest TCG settings (reference/qemu.md) or hardware acceleration. */
export function qemuArgv(spec: MachineSpec, dir: string, accel: Accel): string[] {
  const p = machinePaths(dir)
  const hostfwd = [`hostfwd=tcp:127.0.0.1:${spec.sshPort}-:22`, ...spec.forwards.map((f) => `hostfwd=tcp:127.0.0.1:${f.host}-:${f.guest}`)]
  const argv = [
    '-name', spec.name,
    '-accel', accel === 'tcg' ? 'tcg,thread=multi' : accel,
    '-smp', String(spec.cpus),
    '-cpu', accel === 'tcg' ? 'max' : 'host',
    '-m', String(spec.memoryMiB),
    '-nodefaults', '-display', 'none', '-no-user-config',
    '-serial', `file:${p.serial}`,
    '-drive', `file=${spec.disk},if=virtio,format=qcow2,discard=unmap`,
  ]
  if (spec.kernel) {
    argv.push('-kernel', spec.kernel)
    if (spec.initrd) argv.push('-initrd', spec.initrd)
    if (spec.append) argv.push('-append', spec.append)
  }
  spec.cdroms?.forEach((iso, i) => argv.push('-drive', `file=${iso},media=cdrom,readonly=on,if=ide,index=${i}`))
  if (spec.cdroms?.length) argv.push('-boot', 'order=cd,once=d', '-no-reboot')
  if (spec.seed) argv.push('-drive', `file=${spec.seed},if=virtio,format=raw,readonly=on`)
  argv.push('-netdev', `user,id=nat,${hostfwd.join(',')}`, '-device', `virtio-net-pci,netdev=nat,mac=${spec.natMac}`)
  if (spec.vdeSocket) argv.push('-netdev', `vde,id=lab,sock=${spec.vdeSocket}`, '-device', `virtio-net-pci,netdev=lab,mac=${spec.labMac}`)
  argv.push('-qmp', `unix:${p.qmp},server=on,wait=off`, '-pidfile', p.pid)
  if (spec.loadvm) argv.push('-loadvm', spec.loadvm)
  return argv
}
