// NAT port-forwarding rules as INATEngine::AddRedirect/RemoveRedirect keep them; shared by
// `modifyvm --natpfN` (VM off) and `controlvm natpfN` (VM running).
import { syntaxError } from './usage.mjs'
import { Exit } from './report.mjs'

/** "name,tcp,hostip,hostport,guestip,guestport"; an empty name becomes "tcp_2222_22". */
export function addRedirect(ctx, nic, text, { command, option, nicNumber, file, line }) {
  const parts = text.split(',')
  if (parts.length !== 6) syntaxError(ctx.report, command, `Missing or invalid argument to '${option}'`)
  const [name, protoText, hostip, hostport, guestip, guestport] = parts
  const proto = protoText.toLowerCase()
  if (proto !== 'tcp' && proto !== 'udp') {
    // errorArgument() followed by E_FAIL: the message only, exit code 1.
    ctx.report.msg(`Invalid proto '${protoText}' specified for NIC ${nicNumber}`)
    throw new Exit(1)
  }
  const rule = {
    name: name || `${proto}_${Number(hostport)}_${Number(guestport)}`,
    proto,
    hostip,
    hostport: String(Number(hostport)),
    guestip,
    guestport: String(Number(guestport)),
  }
  const fail = (message) =>
    ctx.report.fail({
      message,
      hr: 'E_INVALIDARG',
      component: 'NATEngineWrap',
      iface: 'INATEngine',
      call: 'AddRedirect(Bstr(strName).raw(), proto, Bstr(strHostIp).raw(), RTStrToUInt16(strHostPort), Bstr(strGuestIp).raw(), RTStrToUInt16(strGuestPort))',
      file,
      line,
    })
  if (nic.natpf.some((r) => r.name === rule.name)) fail('A NAT rule of this name already exists')
  if (nic.natpf.some((r) => r.proto === rule.proto && r.hostport === rule.hostport && r.hostip === rule.hostip)) {
    fail('A NAT rule for this host port and this host IP already exists')
  }
  nic.natpf.push(rule)
}

/** Removing an unknown rule fails without error info, as RemoveRedirect does. */
export function removeRedirect(ctx, nic, name, { file, line }) {
  if (!nic.natpf.some((r) => r.name === name)) {
    ctx.report.apiNoInfo({ hr: 'E_INVALIDARG', call: 'RemoveRedirect(Bstr(ValueUnion.psz).raw())', file, line })
    throw new Exit(1)
  }
  nic.natpf = nic.natpf.filter((r) => r.name !== name)
}
