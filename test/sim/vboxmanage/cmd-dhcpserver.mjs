// `VBoxManage dhcpserver add|modify|remove` (VBoxManageDHCPServer.cpp), including fixed
// addresses per MAC (6.1+): `modify --interface=vboxnet0 --mac-address=... --fixed-address=...`.
import { getopt } from './getopt.mjs'
import { argumentError, syntaxError } from './usage.mjs'
import { srcLine } from './report.mjs'
import { findMachine } from './machines.mjs'

const DEFS = [
  { key: 'network', names: ['--network', '--netname', '-netname'], arg: 'string' },
  { key: 'interface', names: ['--interface', '--ifname', '-ifname'], arg: 'string' },
  { key: 'ip', names: ['--server-ip', '--ip', '-ip'], arg: 'string' },
  { key: 'netmask', names: ['--netmask', '-netmask'], arg: 'string' },
  { key: 'lower', names: ['--lower-ip', '--lowerip', '-lowerip'], arg: 'string' },
  { key: 'upper', names: ['--upper-ip', '--upperip', '-upperip'], arg: 'string' },
  { key: 'enable', names: ['--enable', '-enable'], arg: 'none' },
  { key: 'disable', names: ['--disable', '-disable'], arg: 'none' },
  { key: 'mac', names: ['--mac-address'], arg: 'string' },
  { key: 'vm', names: ['--vm'], arg: 'string' },
  { key: 'nic', names: ['--nic'], arg: 'uint32' },
  { key: 'fixed', names: ['--fixed-address', '--fixed-addr'], arg: 'string' },
]

/** "080027AABB01" or "08:00:27:aa:bb:01" → "08:00:27:aa:bb:01", as the DHCP config stores MACs. */
function normalizeMac(text) {
  const hex = text.replace(/[:-]/g, '').toLowerCase()
  return /^[0-9a-f]{12}$/.test(hex) ? hex.match(/../g).join(':') : null
}

function options(ctx, args) {
  const o = {}
  for (const opt of getopt(ctx.report, 'dhcpserver', args, DEFS)) {
    if (opt.positional !== undefined) syntaxError(ctx.report, 'dhcpserver', `Unknown subcommand: ${opt.positional}`)
    o[opt.key] = opt.value ?? true
  }
  if (!o.network && !o.interface) syntaxError(ctx.report, 'dhcpserver', 'You need to specify either --network or --interface to identify the DHCP server')
  o.netname = o.network ?? `HostInterfaceNetworking-${o.interface}`
  return o
}

function applyFixed(ctx, server, o) {
  if (o.fixed === undefined) return
  let key
  if (o.mac !== undefined) {
    const mac = normalizeMac(o.mac)
    if (!mac) argumentError(ctx.report, `Invalid MAC address: ${o.mac}`)
    key = { mac }
  } else if (o.vm !== undefined) {
    const m = findMachine(ctx.state, o.vm)
    if (!m) argumentError(ctx.report, `Could not find VM '${o.vm}'`)
    const slot = (o.nic ?? 1) - 1
    key = { vm: m.uuid, slot, mac: m.config.nics[slot].mac.match(/../g).join(':').toLowerCase() }
  } else argumentError(ctx.report, 'A --fixed-address needs a --mac-address or --vm to apply to')
  server.fixed = server.fixed.filter((f) => f.mac !== key.mac)
  server.fixed.push({ ...key, ip: o.fixed })
}

export function runDhcpServer(ctx, args) {
  const { version } = ctx.env
  const [sub, ...rest] = args
  if (!['add', 'modify', 'remove', 'start', 'stop', 'restart'].includes(sub)) {
    syntaxError(ctx.report, 'dhcpserver', `Unknown subcommand: ${sub}`)
  }
  const o = options(ctx, rest)
  const server = ctx.state.dhcpservers.find((s) => s.netname === o.netname)
  if (sub === 'add') {
    if (server) argumentError(ctx.report, 'DHCP server already exists')
    const created = { netname: o.netname, ip: '0.0.0.0', mask: '0.0.0.0', lower: '0.0.0.0', upper: '0.0.0.0', enabled: false, fixed: [] }
    update(created, o)
    applyFixed(ctx, created, o)
    ctx.state.dhcpservers.push(created)
    return
  }
  if (sub === 'modify') {
    if (!server) argumentError(ctx.report, 'DHCP server does not exist')
    update(server, o)
    applyFixed(ctx, server, o)
    return
  }
  if (!server) {
    ctx.report.fail({
      message: `Could not find a DHCP server named '${o.netname}'`,
      hr: 'E_INVALIDARG',
      component: 'VirtualBoxWrap',
      iface: 'IVirtualBox',
      call: 'FindDHCPServerByNetworkName(Bstr(pCtx->pszNetwork).raw(), ptrDHCPServer.asOutParam())',
      file: 'VBoxManageDHCPServer.cpp',
      line: srcLine(version, 1031, 1011),
    })
  }
  if (sub === 'remove') ctx.state.dhcpservers = ctx.state.dhcpservers.filter((s) => s !== server)
}

function update(server, o) {
  if (o.ip) server.ip = o.ip
  if (o.netmask) server.mask = o.netmask
  if (o.lower) server.lower = o.lower
  if (o.upper) server.upper = o.upper
  if (o.enable) server.enabled = true
  if (o.disable) server.enabled = false
}
