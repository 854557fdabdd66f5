/**
 * Where a node's address is configured to come back at boot: a NetworkManager connection, an ifcfg file
 * (EL's network-scripts), /etc/network/interfaces (ifupdown), netplan or systemd-networkd. Each reader
 * answers whether its configuration assigns the address statically.
 */
import { parse as parseYaml } from 'yaml'

export interface InetAddress {
  dev: string
  ip: string
  prefix: number
  /** The kernel's `dynamic` flag: the address has a lease (DHCP). */
  dynamic: boolean
}

/** `ip -o -4 addr show`: one line per address. */
export function parseInet(out: string): InetAddress[] {
  return out.split('\n').flatMap((line) => {
    const m = /^\d+:\s+(\S+)\s+inet (\d+\.\d+\.\d+\.\d+)\/(\d+)\s(.*)$/.exec(line)
    return m ? [{ dev: m[1]!, ip: m[2]!, prefix: Number(m[3]), dynamic: /\bdynamic\b/.test(m[4]!.split('\\')[0]!) }] : []
  })
}

/** `ip -o link show`: the interface names, loopback left out. */
export function parseLinks(out: string): string[] {
  return out.split('\n').flatMap((line) => {
    const m = /^\d+:\s+([^:@\s]+)[@:]/.exec(line)
    return m && !/link\/loopback/.test(line) ? [m[1]!] : []
  })
}

export interface NmConnection {
  id: string
  method: string
  addresses: string[]
}

/** The NM section: `#connection DEV` then `connection.id:…`, `ipv4.method:…`, `ipv4.addresses:…` (terse). */
export function parseNmConnections(out: string): Map<string, NmConnection> {
  const found = new Map<string, NmConnection>()
  let current: NmConnection | undefined
  for (const line of out.split('\n')) {
    const dev = /^#connection (\S+)$/.exec(line)?.[1]
    if (dev) {
      current = { id: '', method: '', addresses: [] }
      found.set(dev, current)
      continue
    }
    if (!current) continue
    const colon = line.indexOf(':')
    const [key, value] = [line.slice(0, colon), line.slice(colon + 1).replace(/\\:/g, ':')]
    if (key === 'connection.id') current.id = value
    else if (key === 'ipv4.method') current.method = value
    else if (key === 'ipv4.addresses') current.addresses = value.split(/[,\s]+/).filter((a) => a !== '' && a !== '--')
  }
  return found
}

/** The files section: `#file PATH` then the file's text. */
export function splitFiles(out: string): Array<{ path: string; text: string }> {
  const files: Array<{ path: string; text: string }> = []
  for (const chunk of out.split(/^#file /m).slice(1)) {
    const nl = chunk.indexOf('\n')
    files.push({ path: chunk.slice(0, nl < 0 ? undefined : nl), text: nl < 0 ? '' : chunk.slice(nl + 1) })
  }
  return files
}

const unquote = (v: string) => v.trim().replace(/^(["'])(.*)\1$/, '$2')

/** `ip/prefix` for an address and a netmask or prefix as the files write them. */
function withPrefix(ip: string, prefix: string | undefined, mask: string | undefined): string {
  if (prefix) return `${ip}/${prefix}`
  if (mask) return `${ip}/${mask.split('.').reduce((n, o) => n + (Number(o) >>> 0).toString(2).replace(/0/g, '').length, 0)}`
  return ip
}

/** The static addresses (`ip/prefix`, or bare `ip` when the file gives no prefix) a configuration file assigns. */
export function staticAddresses(path: string, text: string): string[] {
  if (path.includes('/ifcfg-')) {
    const vars = new Map<string, string>()
    for (const line of text.split('\n')) {
      const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line)
      if (m) vars.set(m[1]!, unquote(m[2]!))
    }
    if (!['', 'none', 'static'].includes((vars.get('BOOTPROTO') ?? '').toLowerCase())) return []
    return [...vars.entries()].flatMap(([k, v]) => {
      const n = /^IPADDR(\d*)$/.exec(k)?.[1]
      return n === undefined ? [] : [withPrefix(v, vars.get(`PREFIX${n}`), vars.get(`NETMASK${n}`))]
    })
  }
  if (path.startsWith('/etc/network/')) {
    const out: string[] = []
    let stanza: { static: boolean; address?: string; mask?: string } | undefined
    const flush = () => {
      if (stanza?.static && stanza.address) out.push(stanza.address.includes('/') ? stanza.address : withPrefix(stanza.address, undefined, stanza.mask))
    }
    for (const raw of text.split('\n')) {
      const words = raw.trim().split(/\s+/)
      if (/^(iface|auto|allow-\S+|source|source-directory|mapping)$/.test(words[0] ?? '')) {
        flush()
        stanza = words[0] === 'iface' ? { static: words[2] === 'inet' && words[3] === 'static' } : undefined
      } else if (stanza && words[0] === 'address') stanza.address = words[1]
      else if (stanza && words[0] === 'netmask') stanza.mask = words[1]
    }
    flush()
    return out
  }
  if (path.startsWith('/etc/netplan/')) {
    let doc: unknown
    try {
      doc = parseYaml(text)
    } catch {
      return []
    }
    const network = (doc as { network?: Record<string, unknown> } | null)?.network ?? {}
    return Object.values(network).flatMap((devices) =>
      devices && typeof devices === 'object'
        ? Object.values(devices as Record<string, { addresses?: unknown }>).flatMap((d) =>
            Array.isArray(d?.addresses) ? d.addresses.flatMap((a: unknown) => (typeof a === 'string' ? [a] : a && typeof a === 'object' ? Object.keys(a) : [])) : [],
          )
        : [],
    )
  }
  if (path.endsWith('.network')) {
    return text.split('\n').flatMap((line) => {
      const m = /^\s*Address\s*=\s*(\S+)/.exec(line)
      return m ? [m[1]!] : []
    })
  }
  return []
}

/** How a file path reads for the learner. */
export function sourceName(path: string): string {
  if (path.includes('/ifcfg-')) return path
  if (path.startsWith('/etc/netplan/')) return `netplan (${path})`
  if (path.endsWith('.network')) return `systemd-networkd (${path})`
  return path
}
