/**
 * The base VM: created, configured, installed unattended from the install ISO plus the OEMDRV kickstart
 * disc (or built around a ready disk image), then stripped of its install media and snapshotted so
 * that linked clones can hang off it.
 */
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { InputError, LabError } from '../../util/errors.js'
import type { BaseSpec } from '../provider.js'
import type { VBoxDriver } from './driver.js'
import { attachedMedia, closeDvdImages } from './dvd-images.js'
import { audioOffArgs, hostOnlyNicArgs, deviceArgs, firmwareArgs, nicType, osTypeFor, platformArgs, type VBoxFlavour } from './flavour.js'
import type { ResolvedOptions } from './options.js'
import { keyScancodes, textScancodes } from './scancodes.js'
import { NOT_RUNNING, VBoxError } from './vbox-error.js'
import { replacingUnregistered } from './leftovers.js'
import { waitFor } from './wait.js'
import { virtualboxOsType } from './os-types.js'
import { sleep } from '../../util/sleep.js'
import { spokenDuration } from '../../util/duration.js'

/** VirtualBox on top of Hyper-V (its NEM engine) may pass fewer CPU features (AVX2 among them) to guests. */
const NEM_CPU =
  ' (on Windows, VirtualBox running on Hyper-V — a green turtle in the VM window — may hide AVX2 and other features from guests: turn Hyper-V off with `bcdedit /set hypervisorlaunchtype off` and turn off Memory integrity, then reboot)'

/** The snapshot every base gets once installed; clones link to it. */
export const BASE_SNAPSHOT = 'base'
/** VirtualBox group of every vmlab VM (a folder in the GUI, and a subfolder of the machine folder). */
export const VM_GROUP = '/vmlab'
/** What is typed after the installer's own boot line: load the kickstart, text mode. */
export const BOOT_APPEND = ' inst.ks=hd:LABEL=OEMDRV:/ks.cfg inst.text'

const DISK_PORT = 0
const INSTALL_PORT = 1
const OEMDRV_PORT = 2

export interface BaseContext {
  driver: VBoxDriver
  flavour: VBoxFlavour
  opts: ResolvedOptions
  sshPort: () => Promise<number>
}

/** Name of the NAT rule that forwards a loopback host port to the guest's SSH server. */
export const SSH_RULE = 'ssh'

export function sshRule(port: number): string {
  return `${SSH_RULE},tcp,127.0.0.1,${port},,22`
}

/** Settings shared by every base: the platform's machine (flavour.ts), DVD before disk, NAT + lab NIC. */
function baseSettings(flavour: VBoxFlavour, spec: BaseSpec, sshPort: number): string[] {
  const nic = nicType(flavour)
  return [
    '--memory',
    String(spec.memoryMiB),
    '--cpus',
    String(spec.cpus),
    ...firmwareArgs(flavour),
    '--boot1',
    'dvd',
    '--boot2',
    'disk',
    '--boot3',
    'none',
    '--boot4',
    'none',
    ...deviceArgs(flavour),
    '--vram',
    '16',
    ...audioOffArgs(flavour),
    '--nic1',
    'nat',
    '--nictype1',
    nic,
    '--natpf1',
    sshRule(sshPort),
    ...hostOnlyNicArgs(flavour, 2, spec.network.id),
    '--nictype2',
    nic,
    '--cableconnected2',
    'on',
  ]
}

/** The last lines of the VM's own log, for errors about a VM that did not do what we waited for. */
async function logTail(cfgFile: string, lines = 25): Promise<string> {
  const log = join(dirname(cfgFile), 'Logs', 'VBox.log')
  try {
    const text = await readFile(log, 'utf8')
    return `last lines of ${log}:\n${text.trimEnd().split(/\r?\n/).slice(-lines).join('\n')}`
  } catch {
    return `(no log at ${log})`
  }
}

/** The VM's settings file: as createvm reported it, else as showvminfo does. */
async function settingsFileOf(driver: VBoxDriver, name: string, reported: string | undefined): Promise<string> {
  const cfg = reported ?? (await driver.showVmInfo(name)).cfgFile
  if (cfg === undefined) throw new LabError(`VirtualBox did not say where it put the VM ${name}`, { hint: `\`VBoxManage showvminfo ${name}\` shows its settings file` })
  return cfg
}

/**
 * Types `<up><tab> inst.ks=… inst.text<enter>` at the isolinux menu: skips its 60 s wait and the media
 * check. A VM that is no longer running by then (it failed to boot) is left to the wait that follows,
 * which reports why with the VM's log.
 */
async function typeBootLine(ctx: BaseContext, vm: string): Promise<void> {
  // UEFI's GRUB menu takes no appended line (and `e` in it opens the editor): there `<up><enter>` picks the
  // plain install entry, and Anaconda finds ks.cfg on the OEMDRV disc by itself.
  const groups = ctx.flavour.guestArch === 'aarch64' ? [keyScancodes('up'), keyScancodes('enter')] : [keyScancodes('up'), keyScancodes('tab'), textScancodes(BOOT_APPEND), keyScancodes('enter')]
  for (const [i, codes] of groups.entries()) {
    if (i > 0 && !ctx.driver.dryRun) await sleep(ctx.opts.keyDelayMs)
    try {
      await ctx.driver.putScancodes(vm, codes)
    } catch (error) {
      if (error instanceof VBoxError && NOT_RUNNING.test(error.message)) return
      throw error
    }
  }
}

async function install(ctx: BaseContext, spec: BaseSpec, cfgFile: string): Promise<void> {
  const { driver, opts } = ctx
  await driver.startVm(spec.name)
  if (!driver.dryRun) await sleep(opts.bootWaitMs)
  await typeBootLine(ctx, spec.name)
  if (driver.dryRun) return
  const ended = await waitFor(driver, spec.name, (i) => ['poweroff', 'aborted', 'gurumeditation'].includes(i.state), {
    timeoutMs: spec.installTimeoutMs,
    intervalMs: opts.pollIntervalMs,
  })
  if (!ended) {
    // EL9 needs an x86-64-v2 CPU, EL10 v3: on older (or badly emulated) ones the installer stops at boot.
    const level = spec.os.cpuLevel ? `; ${spec.os.title} stopping right at boot ("CPU does not support ${spec.os.cpuLevel}") needs a newer CPU or a VM with the host's CPU features${NEM_CPU}` : ''
    throw new LabError(`the unattended installation in ${spec.name} did not finish within ${spokenDuration(spec.installTimeoutMs)}; ${await logTail(cfgFile)}`, {
      hint:
        `the VM is still running: look at its screen in the VirtualBox window to see where the installer stopped, ` +
        `then \`VBoxManage controlvm ${spec.name} poweroff\` and \`lab up\` again (a slow machine may need a longer install timeout)${level}`,
    })
  }
  if (ended.state !== 'poweroff') {
    throw new LabError(`${spec.name} stopped during the installation (VMState ${ended.state}); ${await logTail(cfgFile)}`, {
      hint: 'the log above says why; a guru meditation or abort at boot usually means VT-x/AMD-V is not usable or the VM has too little memory',
    })
  }
  const discs = attachedMedia(ended.storage)
  await driver.attach(spec.name, INSTALL_PORT, 'dvddrive', 'none')
  await driver.attach(spec.name, OEMDRV_PORT, 'dvddrive', 'none')
  await closeDvdImages(driver, discs)
}

export async function createBaseVm(ctx: BaseContext, spec: BaseSpec): Promise<void> {
  const { driver, flavour, opts } = ctx
  const source = spec.source
  if (source.kind === 'cloud-image') throw new LabError('cloud images are built into a base by the qemu provider only', { hint: 'set provider: qemu, or remove install.image' })
  if (source.kind === 'image' && source.kernel !== undefined) {
    throw new InputError(`VirtualBox cannot boot the kernel ${source.kernel} directly`, 'use a disk image with its own boot loader, or the qemu provider for kernel-booted images')
  }
  const reported = await replacingUnregistered(driver, () =>
    driver.createVm({
      name: spec.name,
      osType: osTypeFor(flavour, virtualboxOsType(spec.os)),
      platform: platformArgs(flavour),
      group: VM_GROUP,
      ...(opts.vmFolder === undefined ? {} : { baseFolder: opts.vmFolder }),
    }),
  )
  const cfgFile = await settingsFileOf(driver, spec.name, reported)
  await driver.modifyVm(spec.name, baseSettings(flavour, spec, await ctx.sshPort()))
  await driver.addStorageController(spec.name, 3)
  const disk = join(dirname(cfgFile), `${spec.name}.vdi`)
  if (source.kind === 'iso') {
    await driver.createDisk(disk, spec.diskGiB * 1024)
    await driver.attach(spec.name, DISK_PORT, 'hdd', disk)
    await driver.attach(spec.name, INSTALL_PORT, 'dvddrive', source.installIso)
    await driver.attach(spec.name, OEMDRV_PORT, 'dvddrive', source.oemdrvIso)
    await install(ctx, spec, cfgFile)
  } else {
    await driver.cloneDisk(source.disk, disk)
    await driver.attach(spec.name, DISK_PORT, 'hdd', disk)
  }
  if (!(await driver.snapshots(spec.name)).names.includes(BASE_SNAPSHOT)) await driver.snapshotTake(spec.name, BASE_SNAPSHOT, false)
}
