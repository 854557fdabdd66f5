/**
 * One QEMU VM on disk: a folder with its disk, its description (vm.json) and its seed disc; while it runs,
 * its pid file, monitor socket and logs (see qemu-vm.ts, which turns the description into a command line).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../../util/files.js'
import { vmFiles, type Accel, type VmSpec } from './qemu-vm.js'

export interface MachineSpec {
  name: string
  /** aarch64 guests: set, with the UEFI firmware they boot (code shared, the variable store this VM's own). */
  arch?: 'aarch64'
  firmware?: { code: string; vars: string }
  cpus: number
  memoryMiB: number
  /** The disk this VM boots from (its own qcow2, an overlay for clones). */
  disk: string
  /** Boot a kernel directly (images built by `lab image build`), else boot the disk (ISO installs). */
  kernel?: string
  initrd?: string
  append?: string
  /** Install media for an ISO install (removed from the description when the installer is done). */
  cdroms?: string[]
  /** The seed disc, attached read-only (the guest finds it by its label). */
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
  return { dir, spec: join(dir, 'vm.json'), disk: join(dir, 'disk.qcow2'), seed: join(dir, 'seed.iso'), efiVars: join(dir, 'efi-vars.qcow2'), ...vmFiles(dir) }
}

export async function readSpec(dir: string): Promise<MachineSpec> {
  return JSON.parse(await readFile(machinePaths(dir).spec, 'utf8')) as MachineSpec
}

export async function writeSpec(dir: string, spec: MachineSpec): Promise<void> {
  await writeFileAtomic(machinePaths(dir).spec, JSON.stringify(spec, null, 2) + '\n')
}

/** What qemu-vm.ts starts, from what is kept on disk. */
export function runSpec(m: MachineSpec, dir: string, accel: Accel): VmSpec {
  const spec: VmSpec = {
    name: m.name,
    ...(m.arch ? { arch: m.arch } : {}),
    ...(m.firmware ? { firmware: m.firmware } : {}),
    accel,
    cpus: m.cpus,
    memoryMiB: m.memoryMiB,
    disk: m.disk,
    sshPort: m.sshPort,
    forwards: m.forwards,
    natMac: m.natMac,
    files: vmFiles(dir),
  }
  if (m.kernel) spec.kernel = { path: m.kernel, ...(m.initrd ? { initrd: m.initrd } : {}), ...(m.append ? { append: m.append } : {}) }
  if (m.seed) spec.seed = m.seed
  if (m.vdeSocket) spec.lab = { vdeSocket: m.vdeSocket, mac: m.labMac }
  if (m.loadvm) spec.loadvm = m.loadvm
  if (m.cdroms?.length) spec.cdroms = m.cdroms
  return spec
}
