// `VBoxManage list ...` (VBoxManageList.cpp): vms, runningvms, ostypes, hostonlyifs,
// hostonlynets, dhcpservers, hdds, dvds, groups, systemproperties.
import { getopt } from './getopt.mjs'
import { syntaxError } from './usage.mjs'
import { Exit } from './report.mjs'
import { osTypes } from './ostypes.mjs'
import { childrenOf, mediumById } from './media.mjs'
import { isRunning } from './machines.mjs'
import { hostOnlyNetworksAvailable, interfaceGuid, interfaceMac } from './hostnet.mjs'
import { defaultMachineFolder } from './state.mjs'

const TYPES = ['vms', 'runningvms', 'ostypes', 'hostonlyifs', 'hostonlynets', 'dhcpservers', 'hdds', 'dvds', 'groups', 'systemproperties']

function listVms(ctx, machines, sorted) {
  const list = sorted ? [...machines].sort((a, b) => a.name.localeCompare(b.name)) : machines
  for (const m of list) ctx.report.line(`"${m.name}" {${m.uuid}}`)
}

function listOsTypes(ctx) {
  for (const t of osTypes(ctx.env.version)) {
    ctx.report.line(`ID:          ${t.id}`)
    ctx.report.line(`Description: ${t.description}`)
    ctx.report.line(`Family ID:   ${t.familyId}`)
    ctx.report.line(`Family Desc: ${t.familyDesc}`)
    ctx.report.line(`64 bit:      ${t.is64}`)
    ctx.report.line()
  }
}

function listHostOnlyIfs(ctx) {
  const running = ctx.state.machines.filter(isRunning)
  for (const hif of ctx.state.hostonlyifs) {
    const up = running.some((m) => m.config.nics.some((n) => n.enabled && n.attachment === 'hostonly' && n.hostonly === hif.name))
    const r = ctx.report
    r.line(`Name:            ${hif.name}`)
    r.line(`GUID:            ${interfaceGuid(ctx, hif)}`)
    r.line(`DHCP:            ${hif.dhcp ? 'Enabled' : 'Disabled'}`)
    r.line(`IPAddress:       ${hif.ip}`)
    r.line(`NetworkMask:     ${hif.mask}`)
    r.line('IPV6Address:     ')
    r.line('IPV6NetworkMaskPrefixLength: 0')
    r.line(`HardwareAddress: ${interfaceMac(hif)}`)
    r.line('MediumType:      Ethernet')
    r.line('Wireless:        No')
    r.line(`Status:          ${up ? 'Up' : 'Down'}`)
    r.line(`VBoxNetworkName: HostInterfaceNetworking-${hif.name}`)
    r.line()
  }
}

function listHostOnlyNets(ctx) {
  for (const net of ctx.state.hostonlynets) {
    const r = ctx.report
    r.line(`Name:            ${net.name}`)
    r.line(`GUID:            ${net.id}`)
    r.line()
    r.line(`State:           ${net.enabled ? 'Enabled' : 'Disabled'}`)
    r.line(`NetworkMask:     ${net.mask}`)
    r.line(`LowerIP:         ${net.lower}`)
    r.line(`UpperIP:         ${net.upper}`)
    r.line(`VBoxNetworkName: hostonly-${net.name}`)
    r.line()
  }
}

function dhcpConfigLines(r) {
  r.line('    minLeaseTime:     default')
  r.line('    defaultLeaseTime: default')
  r.line('    maxLeaseTime:     default')
  r.line('    Forced options:   None')
  r.line('    Suppressed opts.: None')
}

function listDhcpServers(ctx) {
  const r = ctx.report
  ctx.state.dhcpservers.forEach((s, i) => {
    if (i > 0) r.line()
    r.line(`NetworkName:    ${s.netname}`)
    r.line(`Dhcpd IP:       ${s.ip}`)
    r.line(`LowerIPAddress: ${s.lower}`)
    r.line(`UpperIPAddress: ${s.upper}`)
    r.line(`NetworkMask:    ${s.mask}`)
    r.line(`Enabled:        ${s.enabled ? 'Yes' : 'No'}`)
    r.line('Global Configuration:')
    dhcpConfigLines(r)
    r.line('    DHCP options:     None')
    r.line('Groups:               None')
    if (s.fixed.length === 0) r.line('Individual Configs:   None')
    for (const f of s.fixed) {
      if (f.vm) r.line(`Individual Config:    VM NIC: ${f.vm} slot ${f.slot}, MAC ${f.mac}`)
      else r.line(`Individual Config:    MAC ${f.mac}`)
      r.line(`    Fixed Address:    ${f.ip}`)
      dhcpConfigLines(r)
      r.line('    DHCP options:     None')
    }
  })
}

/** Media lock states as a running VM leaves them: its current images locked for writing, their parents for reading. */
function lockStates(ctx) {
  const states = new Map()
  for (const m of ctx.state.machines.filter(isRunning)) {
    for (const sc of m.config.storage) {
      for (const a of sc.attachments) {
        if (!a.medium) continue
        states.set(a.medium, 'locked write')
        for (let p = mediumById(ctx.state, a.medium).parent; p; p = mediumById(ctx.state, p).parent) {
          if (!states.has(p)) states.set(p, 'locked read')
        }
      }
    }
  }
  return states
}

function listHdds(ctx) {
  const locks = lockStates(ctx)
  const walk = (medium, parentText) => {
    const r = ctx.report
    r.line(`UUID:           ${medium.uuid}`)
    r.line(`Parent UUID:    ${parentText}`)
    r.line(`State:          ${locks.get(medium.uuid) ?? 'created'}`)
    r.line(`Type:           normal (${medium.parent ? 'differencing' : 'base'})`)
    r.line(`Location:       ${medium.location}`)
    r.line(`Storage format: ${medium.format}`)
    r.line(`Capacity:       ${medium.sizeMB} MBytes`)
    r.line('Encryption:     disabled')
    r.line()
    for (const child of childrenOf(ctx.state, medium.uuid)) walk(child, medium.uuid)
  }
  for (const m of ctx.state.media.filter((x) => x.deviceType === 'HardDisk' && !x.parent)) walk(m, 'base')
}

function listDvds(ctx) {
  const locks = lockStates(ctx)
  for (const m of ctx.state.media.filter((x) => x.deviceType === 'DVD')) {
    const r = ctx.report
    r.line(`UUID:           ${m.uuid}`)
    r.line(`State:          ${locks.has(m.uuid) ? 'locked read' : 'created'}`)
    r.line('Type:           readonly')
    r.line(`Location:       ${m.location}`)
    r.line('Storage format: RAW')
    r.line(`Capacity:       ${m.sizeMB} MBytes`)
    r.line('Encryption:     disabled')
    r.line()
  }
}

function listGroups(ctx) {
  const groups = new Set(ctx.state.machines.flatMap((m) => m.groups))
  for (const g of groups) ctx.report.line(`"${g}"`)
}

function listSystemProperties(ctx) {
  const { major, minor } = ctx.env.version
  const r = ctx.report
  r.line(`API version:                     ${major}_${minor}`)
  r.line('Minimum guest RAM size:          4 Megabytes')
  r.line('Maximum guest RAM size:          2097152 Megabytes')
  r.line('Minimum video RAM size:          0 Megabytes')
  r.line('Maximum video RAM size:          256 Megabytes')
  r.line('Minimum guest CPU count:         1')
  r.line('Maximum guest CPU count:         64')
  r.line(`Default machine folder:          ${defaultMachineFolder(ctx.stateDir)}`)
  r.line('Default hard disk format:        VDI')
}

export function runList(ctx, args) {
  let sorted = false
  let type
  const defs = [
    { key: 'long', names: ['--long', '-l'], arg: 'none' },
    { key: 'sorted', names: ['--sorted', '-s'], arg: 'none' },
  ]
  for (const o of getopt(ctx.report, 'list', args, defs)) {
    if (o.key === 'sorted') sorted = true
    else if (o.key === 'long') {
      ctx.report.errRaw('VBoxManage simulator: list --long is not simulated\n')
      throw new Exit(1)
    } else if (TYPES.includes(o.positional) && (o.positional !== 'hostonlynets' || hostOnlyNetworksAvailable(ctx.env))) type = o.positional
    else syntaxError(ctx.report, 'list', `Unknown subcommand "${o.positional}".`)
  }
  if (!type) syntaxError(ctx.report, 'list', 'Missing subcommand for "list" command.\n')
  const running = ctx.state.machines.filter(isRunning)
  switch (type) {
    case 'vms':
      return listVms(ctx, ctx.state.machines, sorted)
    case 'runningvms':
      return listVms(ctx, running, sorted)
    case 'ostypes':
      return listOsTypes(ctx)
    case 'hostonlyifs':
      return listHostOnlyIfs(ctx)
    case 'hostonlynets':
      return listHostOnlyNets(ctx)
    case 'dhcpservers':
      return listDhcpServers(ctx)
    case 'hdds':
      return listHdds(ctx)
    case 'dvds':
      return listDvds(ctx)
    case 'groups':
      return listGroups(ctx)
    default:
      return listSystemProperties(ctx)
  }
}
