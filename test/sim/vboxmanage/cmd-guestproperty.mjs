// `VBoxManage guestproperty get|set|unset|enumerate` (VBoxManageGuestProp.cpp). Without
// Guest Additions nothing in the guest publishes properties, so reads say "No value set!".
import { syntaxError } from './usage.mjs'
import { srcLine } from './report.mjs'
import { requireMachine } from './machines.mjs'

export function runGuestProperty(ctx, args) {
  const [sub, vm, name, value] = args
  if (!['get', 'set', 'unset', 'delete', 'enumerate'].includes(sub)) syntaxError(ctx.report, 'guestproperty', `Unknown subcommand: ${sub}`)
  if (vm === undefined) syntaxError(ctx.report, 'guestproperty', 'Incorrect parameters')
  const m = requireMachine(ctx, vm, {
    call: 'FindMachine(Bstr(a->argv[0]).raw(), machine.asOutParam())',
    file: 'VBoxManageGuestProp.cpp',
    line: srcLine(ctx.env.version, 102, 116),
  })
  if (sub === 'enumerate') {
    for (const [k, v] of Object.entries(m.guestProps)) ctx.report.line(`Name: ${k}, value: ${v}, timestamp: 0, flags: `)
    return
  }
  if (name === undefined) syntaxError(ctx.report, 'guestproperty', 'Incorrect parameters')
  if (sub === 'get') {
    if (name in m.guestProps) ctx.report.line(`Value: ${m.guestProps[name]}`)
    else ctx.report.line('No value set!')
  } else if (sub === 'set' && value !== undefined) m.guestProps[name] = value
  else delete m.guestProps[name]
}
