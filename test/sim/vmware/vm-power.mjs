// Power state of simulated VMs. Whether a VM runs is host runtime state (in the JSON state);
// what VMware writes to disk while doing so (.lck folders, vmware.log, .nvram, generated MAC
// addresses and uuids in the .vmx) is written to the real files. There is no background
// process: a VM that should have powered itself off is switched off by the next command.

import fs from 'node:fs'
import path from 'node:path'
import { Dictionary } from './dictionary.mjs'
import { isoVolumeLabel } from './iso-label.mjs'
import { DiskError, randomHex } from './vmdk.mjs'
import { VmConfig } from './vm-config.mjs'
import { bootDiskInstalled, markBootDiskInstalled } from './vm-disks.mjs'
import { appendLog, startLog } from './vmware-log.mjs'
import { VmrunError } from './vmrun-errors.mjs'

export function runtimeOf(ctx, vmx) {
  return ctx.state.vms[ctx.env.pathKey(vmx)]
}

export function isRunning(ctx, vmx) {
  return runtimeOf(ctx, vmx)?.power === 'running'
}

/**
 * Opens a VM's configuration as VMware sees it: for a running VM that is the configuration in
 * memory, not edits other programs made to the file since it started.
 */
export function openVm(ctx, shown) {
  const vm = VmConfig.open(shown)
  const remembered = runtimeOf(ctx, vm.vmx)?.config
  if (remembered !== undefined) vm.dict = Dictionary.parse(remembered)
  return vm
}

/**
 * Saves the .vmx. A running VMware process keeps its configuration in memory and writes it
 * back at power-off, so edits other programs make to the file meanwhile are lost; the
 * configuration remembered here is what VMware itself last wrote.
 */
export function saveConfig(ctx, vm) {
  vm.save()
  const rt = runtimeOf(ctx, vm.vmx)
  if (rt?.power === 'running') rt.config = vm.dict.toString()
}

/** VMware's BIOS uuid format: "56 4d xx xx xx xx xx xx-xx xx xx xx xx xx xx xx". */
export function vmwareUuid() {
  const b = ['56', '4d', ...randomHex(14).match(/../g)]
  return `${b.slice(0, 8).join(' ')}-${b.slice(8).join(' ')}`
}

function oemdrvAttached(vm) {
  return vm.cdromImages().some((c) => isoVolumeLabel(vm.resolve(c.fileName)) === 'OEMDRV')
}

/** What VMware adds to a .vmx when it powers the VM on. */
function fillRuntimeKeys(vm) {
  const d = vm.dict
  if (!d.has('uuid.bios')) d.set('uuid.bios', vmwareUuid())
  if (!d.has('uuid.location')) d.set('uuid.location', d.get('uuid.bios'))
  if (!d.has('nvram')) d.set('nvram', `${vm.base}.nvram`)
  if (!d.has('extendedConfigFile')) d.set('extendedConfigFile', `${vm.base}.vmxf`)
  const tail = d.get('uuid.bios').replace(/[ -]/g, '').slice(-6).match(/../g)
  for (const slot of vm.ethernets()) {
    const type = (d.get(`ethernet${slot}.addressType`) ?? 'generated').toLowerCase()
    if (type !== 'generated' || d.has(`ethernet${slot}.generatedAddress`)) continue
    const offset = slot * 10
    const last = ((parseInt(tail[2], 16) + offset) & 0xff).toString(16).padStart(2, '0')
    d.set(`ethernet${slot}.addressType`, 'generated')
    d.set(`ethernet${slot}.generatedAddress`, `00:0c:29:${tail[0]}:${tail[1]}:${last}`)
    d.set(`ethernet${slot}.generatedAddressOffset`, offset)
  }
  d.set('cleanShutdown', 'FALSE')
  d.set('softPowerOff', 'FALSE')
}

function ensureSideFiles(vm) {
  const nvram = vm.resolve(vm.dict.get('nvram'))
  if (!fs.existsSync(nvram)) fs.writeFileSync(nvram, Buffer.alloc(8684))
  const vmxf = vm.resolve(vm.dict.get('extendedConfigFile'))
  if (!fs.existsSync(vmxf)) writeVmxf(vmxf, vm)
  if (!fs.existsSync(vm.vmsd)) fs.writeFileSync(vm.vmsd, '')
}

/** The small XML file VMware keeps next to every .vmx. */
export function writeVmxf(file, vm) {
  const id = randomHex(16).match(/../g)
  fs.writeFileSync(
    file,
    `<?xml version="1.0"?>\n<Foundry>\n<VM>\n<VMId type="string">52 ${id.slice(1, 8).join(' ')}-${id.slice(8).join(' ')}</VMId>\n` +
      `<ClientMetaData>\n<clientMetaDataAttributes/>\n<HistoryEventList/></ClientMetaData>\n` +
      `<vmxPathName type="string">${path.basename(vm.vmx)}</vmxPathName></VM></Foundry>\n`,
  )
}

function lockFolders(vm) {
  return [`${vm.vmx}.lck`, ...vm.disks().map((d) => `${vm.resolve(d.fileName)}.lck`)]
}

/** Lock folders VMware leaves next to the .vmx and the disks it has open. */
export function staleLockFolders(vm) {
  return fs
    .readdirSync(vm.dir)
    .filter((n) => n.endsWith('.lck') && (n === `${path.basename(vm.vmx)}.lck` || n.endsWith('.vmdk.lck')))
    .map((n) => path.join(vm.dir, n))
}

/**
 * Powers a VM on; the caller has checked that its disks open. `resumed`: from a suspended state, so the guest
 * goes on where it was; otherwise it boots, and `state.boots` (per VM, for tests) counts one more.
 */
export function powerOn(ctx, vm, { resumed = false } = {}) {
  startLog(vm)
  appendLog(vm, [resumed ? 'Guest: resumed from the suspended state' : 'Guest: booting'])
  ctx.state.boots ??= {}
  if (!resumed) ctx.state.boots[ctx.env.pathKey(vm.vmx)] = (ctx.state.boots[ctx.env.pathKey(vm.vmx)] ?? 0) + 1
  for (const lck of lockFolders(vm)) {
    fs.mkdirSync(lck, { recursive: true })
    fs.writeFileSync(path.join(lck, `M${randomHex(3)}.lck`), String(process.pid))
  }
  fillRuntimeKeys(vm)
  ensureSideFiles(vm)
  const installing = oemdrvAttached(vm) && !bootDiskInstalled(vm)
  if (installing) appendLog(vm, ['Guest: booting the installer from an OEMDRV kickstart disc'])
  ctx.state.startSeq += 1
  ctx.state.vms[ctx.env.pathKey(vm.vmx)] = {
    vmx: vm.vmx,
    power: 'running',
    powerOffAt: installing ? ctx.now + ctx.env.installMs : null,
    seq: ctx.state.startSeq,
  }
  saveConfig(ctx, vm)
}

/**
 * Powers a VM off (or suspends it) and writes what VMware writes when it does; `vm` comes from openVm, `at`
 * is when it happened (a guest that shut itself down did so before this command).
 */
export function powerOff(ctx, vm, { soft = false, suspend = false, at = ctx.now } = {}) {
  for (const lck of staleLockFolders(vm)) fs.rmSync(lck, { recursive: true, force: true })
  vm.dict.set('cleanShutdown', 'TRUE')
  vm.dict.set('softPowerOff', soft ? 'TRUE' : 'FALSE')
  vm.save()
  appendLog(vm, [suspend ? 'Suspending the virtual machine.' : 'VMX has left the building: 0.'])
  if (suspend) markSuspended(ctx, vm)
  else forget(ctx, vm.vmx)
  ctx.state.releasing ??= {}
  ctx.state.releasing[ctx.env.pathKey(vm.vmx)] = at
}

/**
 * Whether the VMware process of a VM that powered off still holds its files: it exits a moment after the
 * power-off that vmrun (or the guest) asked for, and until then other commands find the files in use. How
 * long is this invocation's VMLAB_SIM_LOCK_SECONDS, like every delay of the simulator.
 */
export function stillReleasing(ctx, vmx) {
  const releasing = ctx.state.releasing ?? {}
  for (const [key, at] of Object.entries(releasing)) if (at + ctx.env.lockMs <= ctx.now) delete releasing[key]
  return releasing[ctx.env.pathKey(vmx)] !== undefined
}

/** A suspended VM (or one restored to a memory snapshot) keeps its state in a .vmss file. */
export function markSuspended(ctx, vm) {
  fs.writeFileSync(vm.file('.vmss'), '')
  ctx.state.vms[ctx.env.pathKey(vm.vmx)] = { vmx: vm.vmx, power: 'suspended' }
}

export function forget(ctx, vmx) {
  delete ctx.state.vms[ctx.env.pathKey(vmx)]
}

/** Lets simulated time pass: unattended installs that are done power their VM off. */
export function advanceClock(ctx) {
  for (const [key, rt] of Object.entries(ctx.state.vms)) {
    if (rt.power !== 'running' || rt.powerOffAt === null || rt.powerOffAt > ctx.now) continue
    let vm
    try {
      vm = openVm(ctx, rt.vmx)
    } catch (error) {
      if (!(error instanceof VmrunError)) throw error
      delete ctx.state.vms[key]
      continue
    }
    try {
      markBootDiskInstalled(vm)
    } catch (error) {
      if (!(error instanceof DiskError)) throw error
    }
    appendLog(vm, ['Guest: installation complete, the guest powered itself off'])
    powerOff(ctx, vm, { soft: true, at: rt.powerOffAt })
  }
}

/** VMware Tools answer only in a running guest whose OS is installed (and ships the tools). */
export function toolsRunning(ctx, vm) {
  const rt = runtimeOf(ctx, vm.vmx)
  return ctx.env.tools && rt?.power === 'running' && rt.powerOffAt === null && bootDiskInstalled(vm)
}
