// vmrun getGuestIPAddress / checkToolsState: both need VMware Tools in a running guest.

import { isRunning, openVm, toolsRunning } from './vm-power.mjs'
import { errors } from './vmrun-errors.mjs'

/** vmrun exits with -2 when it cannot tell the Tools state (seen on Windows for an off VM). */
const UNKNOWN_TOOLS_EXIT = 254

/**
 * The simulated guest's address, derived from its first network card's MAC so that every
 * VM gets a stable, different one: 00:50:56:01:00:0a → 192.168.0.11.
 */
function guestIp(vm) {
  for (const slot of vm.ethernets()) {
    const mac = vm.dict.get(`ethernet${slot}.address`) ?? vm.dict.get(`ethernet${slot}.generatedAddress`)
    if (!mac) continue
    const octets = mac.split(':').map((o) => parseInt(o, 16))
    return `192.168.${octets[4]}.${(octets[5] % 254) + 1}`
  }
  return undefined
}

export function getGuestIPAddress(ctx, [vmxArg, wait, ...extra]) {
  if (vmxArg === undefined || extra.length > 0) throw errors.usage(extra[0])
  if (wait !== undefined && wait.toLowerCase() !== '-wait') throw errors.usage(wait)
  const vm = openVm(ctx, vmxArg)
  if (!isRunning(ctx, vm.vmx)) throw errors.notPoweredOn(vm.shown)
  // Without Tools there is nothing to wait for, so -wait fails as fast as a plain call.
  if (!toolsRunning(ctx, vm)) throw errors.toolsNotRunning(vm.shown)
  const ip = guestIp(vm)
  if (ip === undefined) throw errors.noIpAddress()
  return [ip]
}

export function checkToolsState(ctx, [vmxArg, ...extra]) {
  if (vmxArg === undefined || extra.length > 0) throw errors.usage(extra[0])
  const vm = openVm(ctx, vmxArg)
  if (toolsRunning(ctx, vm)) return ['running']
  return { lines: ['unknown'], exitCode: UNKNOWN_TOOLS_EXIT }
}
