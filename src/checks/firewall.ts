/**
 * The ports a task needs (the swarm's by default) let in on each node, now and after a reboot: firewalld off
 * for good, or its zone of the lab NIC opening them (as ports or through services such as docker-swarm) in
 * the runtime and the permanent configuration; without firewalld, ufw's rules, or the input chains of
 * nftables and iptables, whichever filter is there. Any correct way passes, not only the notes' commands.
 */
import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { shellQuote } from '../guest/remote-command.js'
import { probeSections } from '../modules/lib/probe-script.js'
import { parseListAll, type ZoneInfo } from '../modules/firewall.js'
import { eachNode, namedNodes, type Graded } from './lib/node-rows.js'
import { admitsPort, iptablesAdmitted, nftAdmitted, parsePort, servicePorts, ufwAdmitted, type Admitted, type PortRange } from './lib/firewall-rules.js'

/**
 * What filters on the node, in one section: `#firewalld` (running; the zone of the NIC holding `ip`, runtime
 * and permanent) or `#firewalld-at-boot` (stopped but enabled: its permanent default zone), each followed by
 * the port elements of the zone's services; else ufw's status and the nftables and iptables input rules.
 */
export function filterSection(ip: string): string {
  const services = [
    "for sv in $(printf '%s\\n%s\\n' \"$r\" \"$p\" | sed -n 's/^  services: //p' | tr ' ' '\\n' | sort -u); do",
    '  f=/etc/firewalld/services/$sv.xml; [ -f "$f" ] || f=/usr/lib/firewalld/services/$sv.xml',
    '  echo "#service $sv"; grep -o \'<port [^>]*>\' "$f" 2>/dev/null',
    'done',
  ]
  return [
    'if systemctl is-active -q firewalld 2>/dev/null; then',
    `  d=$(ip -o -4 addr show to ${shellQuote(`${ip}/32`)} | { read -r _ d _ && echo "$d"; })`,
    '  z=$(firewall-cmd --get-zone-of-interface="$d" 2>/dev/null) || z=$(firewall-cmd --get-default-zone)',
    '  r=$(firewall-cmd --zone="$z" --list-all); p=$(firewall-cmd --permanent --zone="$z" --list-all)',
    '  printf \'#firewalld\\n#runtime\\n%s\\n#permanent\\n%s\\n\' "$r" "$p"',
    ...services.map((l) => `  ${l}`),
    'elif systemctl is-enabled -q firewalld 2>/dev/null; then',
    '  r=; p=$(firewall-offline-cmd --list-all)',
    '  printf \'#firewalld-at-boot\\n#permanent\\n%s\\n\' "$p"',
    ...services.map((l) => `  ${l}`),
    'else',
    '  echo "#ufw"; command -v ufw >/dev/null 2>&1 && ufw status verbose',
    '  echo "#nft"; command -v nft >/dev/null 2>&1 && nft list ruleset',
    '  echo "#iptables"; command -v iptables >/dev/null 2>&1 && iptables -S INPUT',
    'fi',
    'true',
  ].join('\n')
}

/** The text between `#name` and the next part marker. */
function part(out: string, name: string): string | undefined {
  const lines = out.split('\n')
  const at = lines.indexOf(`#${name}`)
  if (at < 0) return undefined
  const end = lines.findIndex((l, i) => i > at && /^#(firewalld|firewalld-at-boot|runtime|permanent|ufw|nft|iptables|service \S+)$/.test(l))
  return lines.slice(at + 1, end < 0 ? undefined : end).join('\n')
}

/** A zone with target ACCEPT (trusted) lets everything in. */
function zoneAdmits(zone: ZoneInfo & { acceptsAll: boolean }, services: Map<string, PortRange[]>, want: PortRange): boolean {
  if (zone.acceptsAll) return true
  const open = [...zone.ports.flatMap((p) => parsePort(p) ?? []), ...zone.services.flatMap((s) => services.get(s) ?? [])]
  return open.some((p) => p.proto === want.proto && p.lo <= want.lo && want.hi <= p.hi)
}

function firewalldGrade(out: string, wanted: Array<{ text: string; range: PortRange }>, running: boolean): Graded {
  const services = new Map<string, PortRange[]>()
  for (const m of out.matchAll(/^#service (\S+)\n((?:<port[^\n]*\n?)*)/gm)) services.set(m[1]!, servicePorts(m[2]!))
  const zoneOf = (name: string) => {
    const text = part(out, name) ?? ''
    const zone = parseListAll(text)
    return zone && { ...zone, acceptsAll: /^ {2}target: ACCEPT$/m.test(text) }
  }
  const permanent = zoneOf('permanent')
  const runtime = running ? zoneOf('runtime') : undefined
  if (!permanent || (running && !runtime)) return { passed: false, found: 'firewalld runs, but its zone could not be read' }
  const zone = (runtime ?? permanent).zone
  if (!running) {
    const closed = wanted.filter((w) => !zoneAdmits(permanent, services, w.range)).map((w) => w.text)
    if (closed.length === 0) return { passed: true, found: `firewalld is stopped; its zone ${zone} opens the ports when it starts` }
    return { passed: false, found: `firewalld is stopped but starts at boot, and its zone ${zone} then blocks ${closed.join(', ')}` }
  }
  const closedNow = wanted.filter((w) => !zoneAdmits(runtime!, services, w.range)).map((w) => w.text)
  const lostLater = wanted.filter((w) => zoneAdmits(runtime!, services, w.range) && !zoneAdmits(permanent, services, w.range)).map((w) => w.text)
  const problems = [
    ...(closedNow.length ? [`firewalld (zone ${zone}) blocks ${closedNow.join(', ')}`] : []),
    ...(lostLater.length ? [`${lostLater.join(', ')} open now, but not in firewalld's permanent configuration: closed again after a reload or reboot`] : []),
  ]
  return { passed: problems.length === 0, found: problems.length ? problems.join('; ') : `firewalld (zone ${zone}) lets them in` }
}

function rulesGrade(out: string, wanted: Array<{ text: string; range: PortRange }>, labIps: string[]): Graded {
  const ufw = ufwAdmitted(part(out, 'ufw') ?? '', labIps)
  const filters: Admitted[] = ufw ? [ufw] : [nftAdmitted(part(out, 'nft') ?? '', labIps), iptablesAdmitted(part(out, 'iptables') ?? '', labIps)].filter((a): a is Admitted => a !== undefined)
  const blocking = filters.filter((a) => a.drops && !a.fromLab)
  if (blocking.length === 0) return { passed: true, found: ufw ? 'ufw lets them in' : 'no firewall filters incoming traffic' }
  const problems = blocking.flatMap((a) => {
    const closed = wanted.filter((w) => !admitsPort(a, w.range)).map((w) => w.text)
    return closed.length ? [`${a.where} blocks ${closed.join(', ')}`] : []
  })
  return { passed: problems.length === 0, found: problems.length ? problems.join('; ') : `${blocking.map((a) => a.where).join(', ')} let them in` }
}

export const firewallCheck: Check<CheckOptions<'firewall'>> = async (ctx) => {
  const wanted = ctx.options.ports.map((text) => ({ text, range: parsePort(text)! }))
  const labIps = ctx.lab.nodes.map((n) => n.ip)
  return eachNode(
    ctx,
    namedNodes(ctx.lab, ctx.options.nodes),
    () => `${ctx.options.ports.join(', ')} let in, also after a reboot`,
    async (node, guest) => {
      const { filter } = await probeSections(guest, node.name, { filter: filterSection(node.ip) })
      if (part(filter.out, 'firewalld') !== undefined) return firewalldGrade(filter.out, wanted, true)
      if (part(filter.out, 'firewalld-at-boot') !== undefined) return firewalldGrade(filter.out, wanted, false)
      return rulesGrade(filter.out, wanted, labIps)
    },
  )
}
