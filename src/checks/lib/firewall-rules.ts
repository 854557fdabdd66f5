/**
 * Whether a node's packet filter lets new connections to a port in, read from what the filter prints:
 * firewalld's zone (ports, and the ports of its services), ufw's status, or the input chains of nftables
 * and iptables. Each reader says whether the filter drops by default, and which ports it accepts.
 */
import { netmask, parseIPv4 } from '../../lab/net.js'

export interface PortRange {
  lo: number
  hi: number
  proto: string
}

/** `2377/tcp`, `30000-30100/udp` (firewalld, the lab file) or `30000:30100/udp` (ufw, iptables). */
export function parsePort(text: string): PortRange | undefined {
  const m = /^(\d+)(?:[-:](\d+))?\/(tcp|udp)$/.exec(text.trim())
  return m ? { lo: Number(m[1]), hi: Number(m[2] ?? m[1]), proto: m[3]! } : undefined
}

export const covers = (have: PortRange, want: PortRange): boolean => have.proto === want.proto && have.lo <= want.lo && want.hi <= have.hi

/** `cidr` (or a bare address) holds every one of `ips`. */
export function holdsAll(cidr: string, ips: readonly string[]): boolean {
  const [addr, bits] = cidr.split('/')
  const net = parseIPv4(addr ?? '')
  const prefix = bits === undefined ? 32 : Number(bits)
  if (net === undefined || !(prefix >= 0 && prefix <= 32)) return false
  const mask = netmask(prefix)
  return ips.every((ip) => {
    const n = parseIPv4(ip)
    return n !== undefined && (n & mask) >>> 0 === (net & mask) >>> 0
  })
}

/** What a filter lets in: `all` when it does not drop by default (or accepts the whole lab), else the ports it accepts. */
export interface Admitted {
  drops: boolean
  /** It accepts everything from the lab's addresses. */
  fromLab: boolean
  ports: PortRange[]
  /** Where the dropping happens, for the learner ("nftables chain inet filter input"). */
  where: string
}

export const admitsPort = (a: Admitted, want: PortRange): boolean => !a.drops || a.fromLab || a.ports.some((p) => covers(p, want))

/** The `<port protocol=… port=…/>` elements of a firewalld service file. */
export function servicePorts(xml: string): PortRange[] {
  return [...xml.matchAll(/<port\b([^>]*)>/g)].flatMap((m) => {
    const proto = /protocol="(\w+)"/.exec(m[1]!)?.[1]
    const port = /port="([\d-]+)"/.exec(m[1]!)?.[1]
    const range = proto && port ? parsePort(`${port}/${proto}`) : undefined
    return range ? [range] : []
  })
}

/** `ufw status verbose`: undefined when ufw is inactive. */
export function ufwAdmitted(text: string, labIps: readonly string[]): Admitted | undefined {
  if (!/^Status: active/m.test(text)) return undefined
  const drops = !/^Default: allow \(incoming\)/m.test(text)
  const ports: PortRange[] = []
  let fromLab = false
  for (const line of text.split('\n')) {
    const m = /^(\S+)(?: \(v6\))?\s+ALLOW(?: IN)?\s+(\S+)/.exec(line)
    if (!m || line.includes('(v6)')) continue
    const [, to, from] = m
    if (to === 'Anywhere' && holdsAll(from!, labIps)) fromLab = true
    if (from !== 'Anywhere' && !holdsAll(from!, labIps)) continue
    // 7946 (both protocols), 80,443/tcp, 30000:30100/tcp
    const [list, proto] = to!.split('/')
    for (const p of (list ?? '').split(',')) {
      for (const pr of proto ? [proto] : ['tcp', 'udp']) {
        const r = parsePort(`${p}/${pr}`)
        if (r) ports.push(r)
      }
    }
  }
  return { drops, fromLab, ports, where: 'ufw' }
}

/** The ports a `dport` match names: `2377`, `{ 2377, 7946 }`, `30000-30100`. */
function dports(rule: string, proto: string): PortRange[] {
  const m = new RegExp(`\\b${proto} dport (\\{[^}]*\\}|\\S+)`).exec(rule)
  if (!m) return []
  return m[1]!
    .replace(/[{}]/g, '')
    .split(',')
    .flatMap((p) => {
      const r = parsePort(`${p.trim()}/${proto}`)
      return r ? [r] : []
    })
}

/** `nft list ruleset`: every chain hooked on input; undefined when none drops. */
export function nftAdmitted(text: string, labIps: readonly string[]): Admitted | undefined {
  const found: Admitted[] = []
  let table = ''
  let chain: { name: string; rules: string[] } | undefined
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    const t = /^table (\S+ \S+) \{/.exec(line)
    if (t) table = t[1]!
    const c = /^chain (\S+) \{/.exec(line)
    if (c) chain = { name: c[1]!, rules: [] }
    else if (chain && line === '}') {
      const hooked = chain.rules.find((r) => /\bhook input\b/.test(r))
      if (hooked) found.push(nftChain(`${table} ${chain.name}`, chain.rules, labIps))
      chain = undefined
    } else if (chain && line !== '') chain.rules.push(line)
  }
  const dropping = found.filter((a) => a.drops && !a.fromLab)
  if (dropping.length === 0) return undefined
  // A packet passes every input chain: a port is open only where each dropping chain accepts it.
  return {
    drops: true,
    fromLab: false,
    ports: dropping[0]!.ports.filter((p) => dropping.every((a) => a.ports.some((q) => covers(q, p)))),
    where: `nftables chain ${dropping.map((a) => a.where).join(', ')}`,
  }
}

function nftChain(where: string, rules: string[], labIps: readonly string[]): Admitted {
  const bareDrop = (r: string) => /^(counter( packets \d+ bytes \d+)? )?(drop|reject\b.*)$/.test(r)
  const drops = rules.some((r) => /\bpolicy drop;/.test(r)) || rules.some(bareDrop)
  const ports: PortRange[] = []
  let fromLab = false
  for (const r of rules) {
    // A packet meets the rules in order: an accept after an unconditional drop or reject is never reached.
    if (bareDrop(r)) break
    if (!/\baccept$/.test(r)) continue
    ports.push(...dports(r, 'tcp'), ...dports(r, 'udp'))
    const src = /^ip saddr (\S+) (counter( packets \d+ bytes \d+)? )?accept$/.exec(r)
    if (src && holdsAll(src[1]!, labIps)) fromLab = true
  }
  return { drops, fromLab, ports, where }
}

/** `iptables -S INPUT`: undefined when the chain does not drop. */
export function iptablesAdmitted(text: string, labIps: readonly string[]): Admitted | undefined {
  const lines = text.split('\n').map((l) => l.trim())
  const drops = lines.includes('-P INPUT DROP') || lines.some((l) => /^-A INPUT -j (DROP|REJECT)\b/.test(l))
  if (!drops) return undefined
  const ports: PortRange[] = []
  let fromLab = false
  for (const l of lines) {
    if (/^-A INPUT -j (DROP|REJECT)\b/.test(l)) break
    if (!l.startsWith('-A INPUT ') || !/ -j ACCEPT$/.test(l)) continue
    const proto = /-p (tcp|udp)\b/.exec(l)?.[1]
    const list = /--dports? (\S+)/.exec(l)?.[1]
    if (proto && list) {
      for (const p of list.split(',')) {
        const r = parsePort(`${p}/${proto}`)
        if (r) ports.push(r)
      }
    }
    const src = /^-A INPUT -s (\S+) -j ACCEPT$/.exec(l)
    if (src && holdsAll(src[1]!, labIps)) fromLab = true
  }
  return { drops, fromLab, ports, where: 'iptables chain INPUT' }
}
