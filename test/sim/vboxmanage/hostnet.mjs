// Host-only networking facts per host platform: interface names and GUIDs, the
// /etc/vbox/networks.conf address rule (Linux and macOS since 6.1.28), and macOS
// VirtualBox 7 replacing host-only interfaces with host-only networks.

export function isMac7(env) {
  return env.hostOs === 'darwin' && env.version.major >= 7
}

/** `hostonlynet` and `list hostonlynets` exist only in the macOS build of VirtualBox 7. */
export function hostOnlyNetworksAvailable(env) {
  return isMac7(env)
}

/** vboxnet0, vboxnet1, ... or Windows' "VirtualBox Host-Only Ethernet Adapter #2". */
export function nextInterfaceName(ctx) {
  const taken = new Set(ctx.state.hostonlyifs.map((h) => h.name))
  for (let n = 0; ; n++) {
    const name = ctx.env.hostOs === 'windows' ? (n === 0 ? 'VirtualBox Host-Only Ethernet Adapter' : `VirtualBox Host-Only Ethernet Adapter #${n + 1}`) : `vboxnet${n}`
    if (!taken.has(name)) return { name, index: n }
  }
}

const hex = (n, width) => n.toString(16).padStart(width, '0')

/** On Linux and macOS the GUID is derived from the name "vboxnetN" and the MAC 0a:00:27:00:00:NN. */
export function interfaceGuid(ctx, hif) {
  if (ctx.env.hostOs === 'windows') return hif.guid
  const b = Buffer.alloc(10)
  b.write(hif.name.slice(0, 10), 'latin1')
  const data1 = b.readUInt32LE(0)
  const data2 = b.readUInt16LE(4)
  const data3 = (b.readUInt16LE(6) & 0x0fff) | 0x4000
  const data4 = ((b[8] & 0x3f) | 0x80) * 256 + b[9]
  return `${hex(data1, 8)}-${hex(data2, 4)}-${hex(data3, 4)}-${hex(data4, 4)}-0a00270000${hex(hif.index, 2)}`
}

export function interfaceMac(hif) {
  return `0a:00:27:00:00:${hex(hif.index, 2)}`
}

function ipToInt(ip) {
  const parts = ip.split('.').map(Number)
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return null
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0
}

function inRange(ip, cidr) {
  const [base, bitsText] = cidr.split('/')
  const bits = Number(bitsText ?? 32)
  const a = ipToInt(ip)
  const b = ipToInt(base)
  if (a === null || b === null || !(bits >= 0 && bits <= 32)) return false
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
  return (a & mask) === (b & mask)
}

/** The ranges networks.conf allows ("* 10.0.0.0/8 192.168.0.0/16" lines); without the file, 192.168.56.0/21. */
function allowedRanges(networksConf) {
  if (networksConf === undefined) return ['192.168.56.0/21']
  return networksConf
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l.startsWith('*'))
    .flatMap((l) => l.split(/\s+/).slice(1))
    .filter((r) => r.includes('.'))
}

/** Whether VirtualBox lets a host-only interface take this address. */
export function addressAllowed(env, ip) {
  const { major, minor, patch } = env.version
  const restricted = major > 6 || (major === 6 && (minor > 1 || (minor === 1 && patch >= 28)))
  if (env.hostOs === 'windows' || !restricted) return true
  return allowedRanges(env.networksConf).some((r) => inRange(ip, r))
}
