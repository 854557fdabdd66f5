/**
 * Each node's lab address on one of its NICs, with the lab network's prefix, and configured statically so
 * that it is there again after a reboot: by NetworkManager when it manages that NIC (ifcfg and keyfiles
 * both show there), else by an ifcfg file, ifupdown, netplan or systemd-networkd. An address from DHCP, or
 * one added by hand only, fails with that said.
 */
import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { probeSections } from '../modules/lib/probe-script.js'
import { eachNode, namedNodes } from './lib/node-rows.js'
import { parseInet, parseLinks, parseNmConnections, sourceName, splitFiles, staticAddresses } from './lib/static-address.js'

const NM = [
  'if systemctl is-active -q NetworkManager 2>/dev/null; then',
  '  nmcli -t -f UUID,DEVICE connection show --active | while IFS=: read -r u d; do',
  '    echo "#connection $d"; nmcli -t -f connection.id,ipv4.method,ipv4.addresses connection show "$u"',
  '  done',
  'fi',
  'true',
].join('\n')

const FILES = [
  'for f in /etc/sysconfig/network-scripts/ifcfg-* /etc/network/interfaces /etc/network/interfaces.d/* /etc/netplan/*.yaml /etc/systemd/network/*.network; do',
  '  [ -f "$f" ] && { echo "#file $f"; cat "$f"; echo; }',
  'done',
  'true',
].join('\n')

export const addressCheck: Check<CheckOptions<'address'>> = async (ctx) => {
  const prefix = ctx.lab.network.prefix
  return eachNode(
    ctx,
    namedNodes(ctx.lab, ctx.options.nodes),
    (node) => `${node.ip}/${prefix} on a NIC, configured statically (kept after a reboot)`,
    async (node, guest) => {
      const s = await probeSections(guest, node.name, { links: 'ip -o link show', addrs: 'ip -o -4 addr show', nm: NM, files: FILES })
      if (s.addrs.code === 127) return { passed: false, found: 'the ip command is missing, so the addresses cannot be read' }
      const addrs = parseInet(s.addrs.out)
      const nm = parseNmConnections(s.nm.out)
      const configured = (ip: string) => [
        ...[...nm.entries()].filter(([, c]) => c.addresses.some((a) => a.split('/')[0] === ip)).map(([, c]) => `NetworkManager connection '${c.id}'`),
        ...splitFiles(s.files.out)
          .filter((f) => staticAddresses(f.path, f.text).some((a) => a.split('/')[0] === ip))
          .map((f) => sourceName(f.path)),
      ]
      const mine = addrs.find((a) => a.ip === node.ip)
      if (!mine) {
        const nics = parseLinks(s.links.out).map((dev) => {
          const on = addrs.filter((a) => a.dev === dev).map((a) => `${a.ip}/${a.prefix}${a.dynamic ? ' (DHCP)' : ''}`)
          return `${dev}: ${on.join(', ') || 'no address'}`
        })
        const later = configured(node.ip)
        return {
          passed: false,
          found: `${node.ip} is on no NIC (${nics.join('; ') || 'no NIC'})${later.length ? `; ${later[0]} sets it, but it is not in use yet` : ''}`,
        }
      }
      const at = `${mine.ip}/${mine.prefix} on ${mine.dev}`
      if (mine.prefix !== prefix) return { passed: false, found: `${at}: the lab network is /${prefix}` }
      const conn = nm.get(mine.dev)
      if (conn) {
        if (conn.addresses.some((a) => a === `${node.ip}/${prefix}` || a === node.ip)) return { passed: true, found: `${at}, static in NetworkManager connection '${conn.id}'` }
        const connection = `NetworkManager connection '${conn.id}' (ipv4.method ${conn.method || 'unknown'})`
        if (mine.dynamic) return { passed: false, found: `${at} comes from DHCP: ${connection} does not set it statically` }
        return { passed: false, found: `${at} was added by hand: ${connection} does not set it, so it is gone after a reboot` }
      }
      const from = configured(node.ip)
      if (from.length) return { passed: true, found: `${at}, static in ${from[0]}` }
      if (mine.dynamic) return { passed: false, found: `${at} comes from DHCP: no network configuration sets it statically` }
      return { passed: false, found: `${at} is set for now only: no network configuration keeps it after a reboot` }
    },
  )
}
