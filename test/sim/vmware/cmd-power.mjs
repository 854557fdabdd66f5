// vmrun start / stop / reset / suspend / list.

import fs from 'node:fs'
import path from 'node:path'
import { isRunning, openVm, powerOff, powerOn, runtimeOf, toolsRunning } from './vm-power.mjs'
import { DiskError, readChain } from './vmdk.mjs'
import { appendLog, startLog } from './vmware-log.mjs'
import { errors } from './vmrun-errors.mjs'

function mode(value, allowed, fallback) {
  const m = (value ?? fallback).toLowerCase()
  if (!allowed.includes(m)) throw errors.usage(value)
  return m
}

/** What a failed power-on leaves in vmware.log: the disk that did not open and why. */
function logDiskFailure(vm, top, error) {
  const reason = error.kind === 'missing' ? 'Could not find the file' : 'The file specified is not a virtual disk'
  appendLog(vm, [
    `DISKLIB-LINK  : "${error.file}" : failed to open (${reason}).`,
    `DISKLIB-CHAIN : "${top}" : failed to open (${reason}).`,
    'Msg_Post: Error',
    ...(error.kind === 'missing' ? [`[msg.disk.fileNotFound] VMware Workstation cannot find the virtual disk "${error.file}". Verify the path is valid and try again.`] : []),
    `[msg.disk.noBackEnd] Cannot open the disk '${top}' or one of the snapshot disks it depends on.`,
    `[msg.disk.configureDiskError] Reason: ${reason}.`,
    "Module 'Disk' power on failed.",
    'VMX_PowerOn: ModuleTable_PowerOn = 0',
  ])
}

/** Top disks of every other running VM: a disk can be open in one VM only. */
function disksInUse(ctx, except) {
  const inUse = new Set()
  for (const rt of Object.values(ctx.state.vms)) {
    if (rt.power !== 'running' || ctx.env.pathKey(rt.vmx) === ctx.env.pathKey(except)) continue
    try {
      const other = openVm(ctx, rt.vmx)
      for (const d of other.disks()) inUse.add(other.resolve(d.fileName))
    } catch {
      // The other VM's files are gone; its disks cannot be locked any more.
    }
  }
  return inUse
}

export function start(ctx, [vmxArg, gui, ...extra]) {
  if (vmxArg === undefined || extra.length > 0) throw errors.usage(extra[0])
  mode(gui, ['gui', 'nogui'], 'gui')
  const vm = openVm(ctx, vmxArg)
  if (isRunning(ctx, vm.vmx)) return []
  for (const d of vm.disks()) {
    const top = vm.resolve(d.fileName)
    try {
      readChain(top)
    } catch (error) {
      if (!(error instanceof DiskError)) throw error
      // The power-on fails inside the VM process; vmrun only learns that it was cancelled.
      startLog(vm)
      logDiskFailure(vm, top, error)
      throw errors.canceled()
    }
  }
  const inUse = disksInUse(ctx, vm.vmx)
  if (vm.disks().some((d) => inUse.has(vm.resolve(d.fileName)))) throw errors.fileInUse()
  // A suspended VM (or one reverted to a memory snapshot) resumes from its .vmss: the guest does not boot.
  const resumed = fs.existsSync(vm.file('.vmss'))
  fs.rmSync(vm.file('.vmss'), { force: true })
  powerOn(ctx, vm, { resumed })
  return []
}

/** `pause` freezes a powered-on VM's processors (`vmrun list` still shows it); `unpause` lets it go on. */
export function pause(ctx, [vmxArg, ...extra]) {
  if (vmxArg === undefined || extra.length > 0) throw errors.usage(extra[0])
  const vm = openVm(ctx, vmxArg)
  requireRunning(ctx, vm)
  runtimeOf(ctx, vm.vmx).paused = true
  appendLog(vm, ['VMX: the virtual machine is paused.'])
  return []
}

export function unpause(ctx, [vmxArg, ...extra]) {
  if (vmxArg === undefined || extra.length > 0) throw errors.usage(extra[0])
  const vm = openVm(ctx, vmxArg)
  requireRunning(ctx, vm)
  runtimeOf(ctx, vm.vmx).paused = false
  appendLog(vm, ['VMX: the virtual machine is unpaused.'])
  return []
}

function requireRunning(ctx, vm) {
  if (!isRunning(ctx, vm.vmx)) throw errors.notPoweredOn(vm.shown)
}

export function stop(ctx, [vmxArg, how, ...extra]) {
  if (vmxArg === undefined || extra.length > 0) throw errors.usage(extra[0])
  const m = mode(how, ['hard', 'soft'], 'soft')
  const vm = openVm(ctx, vmxArg)
  requireRunning(ctx, vm)
  // A soft stop asks the guest to shut down, which needs VMware Tools in the guest.
  if (m === 'soft' && !toolsRunning(ctx, vm)) throw errors.toolsNotRunning(vm.shown)
  powerOff(ctx, vm, { soft: m === 'soft' })
  return []
}

export function suspend(ctx, [vmxArg, how, ...extra]) {
  if (vmxArg === undefined || extra.length > 0) throw errors.usage(extra[0])
  const m = mode(how, ['hard', 'soft'], 'soft')
  const vm = openVm(ctx, vmxArg)
  requireRunning(ctx, vm)
  if (m === 'soft' && !toolsRunning(ctx, vm)) throw errors.toolsNotRunning(vm.shown)
  powerOff(ctx, vm, { soft: m === 'soft', suspend: true })
  return []
}

export function reset(ctx, [vmxArg, how, ...extra]) {
  if (vmxArg === undefined || extra.length > 0) throw errors.usage(extra[0])
  const m = mode(how, ['hard', 'soft'], 'soft')
  const vm = openVm(ctx, vmxArg)
  requireRunning(ctx, vm)
  if (m === 'soft' && !toolsRunning(ctx, vm)) throw errors.toolsNotRunning(vm.shown)
  const rt = runtimeOf(ctx, vm.vmx)
  appendLog(vm, ['Reset the virtual machine.'])
  // A reset reboots the guest: an unfinished install starts over.
  if (rt.powerOffAt !== null) rt.powerOffAt = ctx.now + ctx.env.installMs
  return []
}

export function list(ctx, args) {
  if (args.length > 0) throw errors.usage(args[0])
  const running = Object.values(ctx.state.vms)
    .filter((rt) => rt.power === 'running')
    .sort((a, b) => a.seq - b.seq)
  return [`Total running VMs: ${running.length}`, ...running.map((rt) => path.normalize(rt.vmx))]
}
