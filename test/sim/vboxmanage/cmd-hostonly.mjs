// `VBoxManage hostonlyif create|ipconfig|remove` and, on macOS with VirtualBox 7,
// `hostonlynet add|modify|remove` (VBoxManageHostonly.cpp).
import { randomUUID } from 'node:crypto'
import { getopt } from './getopt.mjs'
import { argumentError, syntaxError } from './usage.mjs'
import { Exit, srcLine } from './report.mjs'
import { addressAllowed, isMac7, nextInterfaceName } from './hostnet.mjs'

const FILE = 'VBoxManageHostonly.cpp'

function findInterface(ctx, name) {
  const hif = ctx.state.hostonlyifs.find((h) => h.name === name)
  if (hif) return hif
  return ctx.report.fail({
    message: `The host network interface named '${name}' could not be found`,
    hr: 'E_INVALIDARG',
    component: 'HostWrap',
    iface: 'IHost',
    call: 'FindHostNetworkInterfaceByName(Bstr(pszName).raw(), hif.asOutParam())',
    file: FILE,
    line: srcLine(ctx.env.version, 245, 231),
  })
}

function create(ctx, args) {
  for (const o of getopt(ctx.report, 'hostonlyif', args, [{ key: 'mr', names: ['--machinereadable'], arg: 'none' }])) {
    if (o.positional !== undefined) syntaxError(ctx.report, 'hostonlyif', `Invalid parameter '${o.positional}'`, { blankBeforeUsage: false })
  }
  if (isMac7(ctx.env)) {
    // VirtualBox 7 on macOS has no host-only kernel driver any more.
    ctx.report.progressFailure({
      hr: 'E_FAIL',
      title: 'Failed to create the host-only adapter',
      message: 'VBoxNetAdpCtl: Error while adding new interface: failed to open /dev/vboxnetctl: No such file or directory',
      component: 'HostNetworkInterfaceWrap',
      iface: 'IHostNetworkInterface',
      handler: 'handleCreate',
      file: FILE,
      line: 105,
    })
  }
  const { name, index } = nextInterfaceName(ctx)
  ctx.state.hostonlyifs.push({ name, index, guid: randomUUID(), ip: `192.168.${56 + index}.1`, mask: '255.255.255.0', dhcp: false })
  ctx.report.progress()
  ctx.report.line(`Interface '${name}' was successfully created`)
}

function ipconfig(ctx, args) {
  const defs = [
    { key: 'dhcp', names: ['--dhcp', '-dhcp'], arg: 'none' },
    { key: 'ip', names: ['--ip', '-ip'], arg: 'string' },
    { key: 'netmask', names: ['--netmask', '-netmask'], arg: 'string' },
    { key: 'ipv6', names: ['--ipv6', '-ipv6'], arg: 'string' },
    { key: 'netmasklengthv6', names: ['--netmasklengthv6', '-netmasklengthv6'], arg: 'uint32' },
  ]
  const o = {}
  let name
  for (const opt of getopt(ctx.report, 'hostonlyif', args, defs)) {
    if (opt.positional !== undefined) {
      if (name !== undefined) syntaxError(ctx.report, 'hostonlyif', 'Only one interface name can be specified')
      name = opt.positional
    } else o[opt.key] = opt.value ?? true
  }
  if (o.dhcp && (o.ip || o.netmask || o.ipv6 || o.netmasklengthv6 !== undefined)) {
    syntaxError(ctx.report, 'hostonlyif', 'You can not use --dhcp with static ip configuration parameters: --ip, --netmask, --ipv6 and --netmasklengthv6.')
  }
  const hif = findInterface(ctx, name ?? '')
  if (o.dhcp) {
    hif.dhcp = true
    return
  }
  if (!o.ip) syntaxError(ctx.report, 'hostonlyif', 'Neither -dhcp nor -ip nor -ipv6 was specfied')
  if (!addressAllowed(ctx.env, o.ip)) {
    ctx.report.apiNoInfo({
      hr: 'E_ACCESSDENIED',
      call: 'EnableStaticIPConfig(Bstr(pszIp).raw(), Bstr(pszNetmask).raw())',
      file: FILE,
      line: srcLine(ctx.env.version, 256, 242),
    })
    throw new Exit(1)
  }
  hif.dhcp = false
  hif.ip = o.ip
  hif.mask = o.netmask ?? '255.255.255.0'
}

function remove(ctx, args) {
  let name
  for (const o of getopt(ctx.report, 'hostonlyif', args, [])) {
    if (name !== undefined) syntaxError(ctx.report, 'hostonlyif', 'Only one interface name can be specified')
    name = o.positional
  }
  if (name === undefined) syntaxError(ctx.report, 'hostonlyif', 'No interface name was specified')
  const hif = findInterface(ctx, name)
  ctx.state.hostonlyifs = ctx.state.hostonlyifs.filter((h) => h !== hif)
  ctx.report.progress()
}

export function runHostOnlyIf(ctx, args) {
  const [sub, ...rest] = args
  if (sub === 'ipconfig') ipconfig(ctx, rest)
  else if (sub === 'create') create(ctx, rest)
  else if (sub === 'remove') remove(ctx, rest)
  else syntaxError(ctx.report, 'hostonlyif', `Unknown sub-command '${sub}'`)
}

function netOptions(ctx, args) {
  const defs = [
    { key: 'id', names: ['--id'], arg: 'string' },
    { key: 'name', names: ['--name'], arg: 'string' },
    { key: 'netmask', names: ['--netmask'], arg: 'string' },
    { key: 'lower', names: ['--lower-ip', '--lowerip'], arg: 'string' },
    { key: 'upper', names: ['--upper-ip', '--upperip'], arg: 'string' },
    { key: 'enable', names: ['--enable'], arg: 'none' },
    { key: 'disable', names: ['--disable'], arg: 'none' },
  ]
  const o = {}
  for (const opt of getopt(ctx.report, 'hostonlynet', args, defs)) {
    if (opt.positional !== undefined) syntaxError(ctx.report, 'hostonlynet', `Unknown subcommand: ${opt.positional}`)
    o[opt.key] = opt.value ?? true
  }
  return o
}

function findNetwork(ctx, o) {
  if (!o.name && !o.id) argumentError(ctx.report, 'Either --name or --id parameter must be specified')
  const net = ctx.state.hostonlynets.find((n) => (o.name ? n.name === o.name : n.id === o.id))
  if (net) return net
  return ctx.report.fail({
    message: o.name ? `Could not find a host-only network named '${o.name}'` : `Could not find a host-only network with UUID {${o.id}}`,
    hr: 'VBOX_E_OBJECT_NOT_FOUND',
    component: 'VirtualBoxWrap',
    iface: 'IVirtualBox',
    call: o.name ? 'FindHostOnlyNetworkByName(options.bstrNetworkName.raw(), hostOnlyNetwork.asOutParam())' : 'FindHostOnlyNetworkById(options.bstrNetworkId.raw(), hostOnlyNetwork.asOutParam())',
    file: FILE,
    line: 433,
  })
}

function applyNetwork(net, o) {
  if (o.netmask) net.mask = o.netmask
  if (o.lower) net.lower = o.lower
  if (o.upper) net.upper = o.upper
  if (o.enable) net.enabled = true
  if (o.disable) net.enabled = false
}

export function runHostOnlyNet(ctx, args) {
  const [sub, ...rest] = args
  if (sub === 'add') {
    const o = netOptions(ctx, rest)
    if (!o.name) argumentError(ctx.report, 'The --name parameter must be specified')
    if (!o.netmask) argumentError(ctx.report, 'The --netmask parameter must be specified')
    if (!o.lower) argumentError(ctx.report, 'The --lower-ip parameter must be specified')
    if (!o.upper) argumentError(ctx.report, 'The --upper-ip parameter must be specified')
    const net = { name: o.name, id: o.id ?? randomUUID(), mask: '', lower: '', upper: '', enabled: false }
    applyNetwork(net, o)
    ctx.state.hostonlynets.push(net)
  } else if (sub === 'modify') {
    const o = netOptions(ctx, rest)
    applyNetwork(findNetwork(ctx, o), o)
  } else if (sub === 'remove') {
    const o = netOptions(ctx, rest)
    const net = findNetwork(ctx, o)
    ctx.state.hostonlynets = ctx.state.hostonlynets.filter((n) => n !== net)
  } else syntaxError(ctx.report, 'hostonlynet', `Unknown subcommand: ${sub}`)
}
