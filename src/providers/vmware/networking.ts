/**
 * VMware's virtual networks (vmnet0 bridged, vmnet1 host-only, vmnet8 NAT, vmnet2… custom) and their
 * subnets, read from the host's own configuration. VMware picks random subnets at install time, so a lab must
 * fit whatever this host has.
 *
 * - Linux `/etc/vmware/networking` and macOS `/Library/Preferences/VMware Fusion/networking` share one
 *   format: `answer VNET_<n>_HOSTONLY_SUBNET 192.168.181.0`, `…_HOSTONLY_NETMASK`, `…_NAT yes`,
 *   `…_VIRTUAL_ADAPTER yes|no`, and `add_bridge_mapping <nic> <n>` for bridged ones.
 * - Windows keeps the subnets in the registry and mirrors every vmnet whose DHCP service is on into
 *   `%ProgramData%\VMware\vmnetdhcp.conf` (`# Virtual ethernet segment <n>` then `subnet A netmask M {`);
 *   `vmnetnat.conf` beside it names the NAT vmnet (`device = VMnet8`). We read those two files: a host-only
 *   vmnet with DHCP switched off is invisible there, which the preflight reports as a warning.
 */
import { formatIPv4, parseIPv4 } from '../../lab/net.js'

export interface Vmnet {
  /** vmnet1, vmnet8, … */
  name: string
  number: number
  kind: 'hostonly' | 'nat' | 'bridged'
  /** Network address and prefix, e.g. 192.168.181.0/24; undefined for bridged ones. */
  cidr?: string
  /** False when the host has no adapter on it (it could not reach the VMs); undefined when not recorded. */
  hostAdapter?: boolean
}

export function prefixOfNetmask(mask: string): number | undefined {
  const n = parseIPv4(mask)
  if (n === undefined) return undefined
  const bits = n.toString(2).padStart(32, '0')
  const zero = bits.indexOf('0')
  if (zero === -1) return 32
  return bits.includes('1', zero) ? undefined : zero
}

function cidrOf(subnet: string | undefined, mask: string | undefined): string | undefined {
  if (subnet === undefined) return undefined
  const net = parseIPv4(subnet)
  const prefix = prefixOfNetmask(mask ?? '255.255.255.0')
  if (net === undefined || prefix === undefined) return undefined
  return `${subnet}/${prefix}`
}

/** The Linux / macOS `networking` file. */
export function parseUnixNetworking(text: string): Vmnet[] {
  const answers = new Map<number, Map<string, string>>()
  const bridged = new Set<number>()
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    let m = /^answer\s+VNET_(\d+)_(\w+)\s+(.*)$/.exec(line)
    if (m) {
      const n = Number(m[1])
      if (!answers.has(n)) answers.set(n, new Map())
      answers.get(n)!.set(m[2]!.toUpperCase(), m[3]!.trim())
      continue
    }
    m = /^add_bridge_mapping\s+\S+\s+(\d+)$/.exec(line)
    if (m) bridged.add(Number(m[1]))
  }
  const numbers = [...new Set([...answers.keys(), ...bridged])].sort((a, b) => a - b)
  return numbers.map((n) => {
    const a = answers.get(n) ?? new Map<string, string>()
    const yes = (key: string): boolean | undefined => (a.has(key) ? a.get(key)!.toLowerCase() === 'yes' : undefined)
    const kind: Vmnet['kind'] = bridged.has(n) && !a.has('HOSTONLY_SUBNET') ? 'bridged' : yes('NAT') ? 'nat' : 'hostonly'
    const vmnet: Vmnet = { name: `vmnet${n}`, number: n, kind }
    const cidr = cidrOf(a.get('HOSTONLY_SUBNET'), a.get('HOSTONLY_NETMASK'))
    if (cidr !== undefined && kind !== 'bridged') vmnet.cidr = cidr
    const adapter = yes('VIRTUAL_ADAPTER')
    if (adapter !== undefined) vmnet.hostAdapter = adapter
    return vmnet
  })
}

/** Windows: `vmnetdhcp.conf`, and the NAT device from `vmnetnat.conf` when it was found. */
export function parseWindowsDhcpConf(dhcpConf: string, natConf?: string): Vmnet[] {
  const natDevice = natConf === undefined ? undefined : /^\s*device\s*=\s*vmnet(\d+)\s*$/im.exec(natConf)?.[1]
  const out: Vmnet[] = []
  let segment: number | undefined
  for (const raw of dhcpConf.split(/\r?\n/)) {
    const line = raw.trim()
    const seg = /^#\s*Virtual ethernet segment (\d+)\b/i.exec(line)
    if (seg) {
      segment = Number(seg[1])
      continue
    }
    const sub = /^subnet\s+(\S+)\s+netmask\s+(\S+)\s*\{/.exec(line)
    if (sub && segment !== undefined) {
      const cidr = cidrOf(sub[1], sub[2])
      const nat = natDevice !== undefined ? Number(natDevice) === segment : segment === 8
      out.push({ name: `vmnet${segment}`, number: segment, kind: nat ? 'nat' : 'hostonly', ...(cidr ? { cidr } : {}) })
      segment = undefined
    }
  }
  return out.sort((a, b) => a.number - b.number)
}

/** Sniffs the format, so that one override variable serves every host OS in tests. */
export function parseNetworkingConfig(text: string, natConf?: string): Vmnet[] {
  return /^\s*answer\s+VNET_/m.test(text) ? parseUnixNetworking(text) : parseWindowsDhcpConf(text, natConf)
}

/**
 * The vmnet a lab with this CIDR should use: vmnet1 when its subnet is the lab's, else the first other
 * host-only vmnet with that subnet; undefined when none has it.
 */
export function vmnetForCidr(vmnets: readonly Vmnet[], cidr: string): Vmnet | undefined {
  const want = normalizeCidr(cidr)
  const fits = vmnets.filter((v) => v.kind === 'hostonly' && v.cidr !== undefined && normalizeCidr(v.cidr) === want)
  return fits.find((v) => v.number === 1) ?? fits[0]
}

function normalizeCidr(cidr: string): string {
  const [addr, prefix] = cidr.split('/')
  const n = parseIPv4(addr ?? '')
  return n === undefined ? cidr : `${formatIPv4(n)}/${prefix}`
}
