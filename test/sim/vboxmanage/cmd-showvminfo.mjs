// `VBoxManage showvminfo VM --machinereadable` (handleShowVMInfo in VBoxManageInfo.cpp).
import { getopt } from './getopt.mjs'
import { syntaxError } from './usage.mjs'
import { Exit, srcLine } from './report.mjs'
import { requireMachine } from './machines.mjs'
import { vmInfo } from './machinereadable.mjs'

export function runShowVmInfo(ctx, args) {
  const defs = [
    { key: 'details', names: ['--details', '-details'], arg: 'none' },
    { key: 'machinereadable', names: ['--machinereadable', '-machinereadable'], arg: 'none' },
    { key: 'log', names: ['--log'], arg: 'uint32' },
  ]
  let vm
  let machinereadable = false
  for (const o of getopt(ctx.report, 'showvminfo', args, defs)) {
    if (o.positional !== undefined) {
      if (vm !== undefined) syntaxError(ctx.report, 'showvminfo', `Invalid parameter '${o.positional}'`)
      vm = o.positional
    } else if (o.key === 'machinereadable') machinereadable = true
  }
  if (vm === undefined) syntaxError(ctx.report, 'showvminfo', 'VM name or UUID required')
  const m = requireMachine(ctx, vm, {
    call: 'FindMachine(Bstr(VMNameOrUuid).raw(), machine.asOutParam())',
    file: 'VBoxManageInfo.cpp',
    line: srcLine(ctx.env.version, 3138, 2875),
  })
  if (!machinereadable) {
    ctx.report.errRaw('VBoxManage simulator: showvminfo is simulated with --machinereadable only\n')
    throw new Exit(1)
  }
  ctx.report.out(vmInfo(ctx, m))
}
