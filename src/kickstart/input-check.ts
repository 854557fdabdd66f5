import { InputError } from '../util/errors.js'
import type { KickstartInput } from './input.js'
import { isSha512CryptHash } from './password.js'
import { isMac, isNetworkOrBroadcast, isSshPublicKey, prefixToNetmask, sameSubnet } from './values.js'
import { INSTALL_URL, KEYMAP, LANG, NTP_SERVER, PACKAGE, TIMEZONE, X_LAYOUT, isFqdn, isIPv4, isInstallUrl, userNameProblem } from '../lab/install-values.js'

/**
 * Refuses input that would make a kickstart the installer misreads or a %post that fails
 * late. Kickstart values live on one line, so only agent file contents may hold newlines.
 */
export function assertValidInput(input: KickstartInput): void {
  if (input.os.rhel === undefined) {
    throw new InputError(`${input.os.title} is not installed by kickstart`, 'use an EL system: centos7, rocky8/9, alma8/9, centos-stream9')
  }
  refuseLineBreaks(input, 'input')
  const bad = (what: string, value: unknown, hint: string): never => {
    throw new InputError(`kickstart: invalid ${what} ${JSON.stringify(value)}`, hint)
  }

  if (!isFqdn(input.hostname)) bad('host name', input.hostname, 'use a fully qualified name of letters, digits and dashes, like node1.localdomain')
  if (input.source.kind === 'url') {
    if (!INSTALL_URL.ok(input.source.url)) bad('install URL', input.source.url, INSTALL_URL.hint)
    for (const repo of input.source.repos) {
      if (!/^[A-Za-z0-9_.:-]+$/.test(repo.name)) bad('repository name', repo.name, 'use letters, digits, dot, dash, underscore')
      if (!isInstallUrl(repo.baseurl)) bad('repository URL', repo.baseurl, 'use an http(s), ftp or nfs URL')
    }
  }
  if (!LANG.ok(input.lang)) bad('language', input.lang, LANG.hint)
  if (!KEYMAP.ok(input.keyboard.vconsoleKeymap)) bad('console keymap', input.keyboard.vconsoleKeymap, KEYMAP.hint)
  if (input.keyboard.xLayouts.length === 0) bad('X layouts', input.keyboard.xLayouts, 'give at least one layout, like us')
  for (const l of input.keyboard.xLayouts) {
    if (!X_LAYOUT.ok(l)) bad('X layout', l, X_LAYOUT.hint)
  }
  if (!TIMEZONE.ok(input.timezone)) bad('time zone', input.timezone, TIMEZONE.hint)
  for (const s of input.ntpServers) if (!NTP_SERVER.ok(s)) bad('NTP server', s, NTP_SERVER.hint)

  if (input.natNic.mac !== undefined && !isMac(input.natNic.mac)) bad('NAT NIC MAC', input.natNic.mac, 'use six hex pairs like 08:00:27:aa:bb:cc')
  const lab = input.labNic
  if (!isMac(lab.mac)) bad('lab NIC MAC', lab.mac, 'use six hex pairs like 08:00:27:aa:bb:cc')
  if (input.natNic.mac !== undefined && input.natNic.mac.toLowerCase() === lab.mac.toLowerCase()) {
    bad('MAC (same for both NICs)', lab.mac, 'give the NAT and lab NICs different MAC addresses')
  }
  if (!Number.isInteger(lab.prefix) || lab.prefix < 8 || lab.prefix > 30) bad('lab prefix length', lab.prefix, 'use 8 to 30, like 24')
  if (!isIPv4(lab.ip)) bad('lab IP address', lab.ip, 'use an IPv4 address like 192.168.56.10')
  const netmask = prefixToNetmask(lab.prefix)
  if (isNetworkOrBroadcast(lab.ip, netmask)) bad('lab IP address (network or broadcast address)', lab.ip, `pick a host address inside ${lab.ip}/${lab.prefix}`)
  if (lab.gateway !== undefined) {
    if (!isIPv4(lab.gateway) || !sameSubnet(lab.ip, lab.gateway, netmask)) {
      bad('lab gateway', lab.gateway, `the gateway must be an address inside ${lab.ip}/${lab.prefix}`)
    }
  }
  for (const ns of lab.nameservers) if (!isIPv4(ns)) bad('name server', ns, 'use an IPv4 address')

  if (!isSha512CryptHash(input.rootPasswordHash)) bad('root password hash', '(hidden)', 'give a $6$ SHA-512-crypt hash (sha512Crypt() makes one)')
  if (!isSshPublicKey(input.rootSshKey)) bad('root SSH key', input.rootSshKey, 'give one OpenSSH public key line, like the content of id_ed25519.pub')
  const user = input.user
  const wrongName = userNameProblem(user.name)
  if (wrongName) bad('user name', user.name, wrongName)
  if (!isSha512CryptHash(user.passwordHash)) bad(`password hash of ${user.name}`, '(hidden)', 'give a $6$ SHA-512-crypt hash (sha512Crypt() makes one)')
  if (!isSshPublicKey(user.sshKey)) bad(`SSH key of ${user.name}`, user.sshKey, 'give one OpenSSH public key line')

  for (const s of input.firewall.services) if (!/^[a-z0-9][a-z0-9_.+-]*$/.test(s)) bad('firewall service', s, 'use a firewalld service name like ssh')
  for (const p of input.firewall.ports) {
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) bad('firewall port', p.port, 'use 1 to 65535')
  }
  for (const p of input.packages) {
    if (!PACKAGE.ok(p)) bad('package', p, PACKAGE.hint)
  }
  if (input.disk.device !== undefined && !/^[a-z0-9][a-z0-9_./-]*$/.test(input.disk.device)) {
    bad('disk device', input.disk.device, 'use a device name like sda, vda or nvme0n1')
  }

  const paths = new Set<string>()
  for (const f of input.agent.files) {
    if (!/^\/[A-Za-z0-9_.@+/-]+$/.test(f.path) || f.path.split('/').includes('..') || f.path.endsWith('/')) {
      bad('agent file path', f.path, 'use an absolute path of letters, digits and ._@+-')
    }
    if (paths.has(f.path)) bad('agent file path (given twice)', f.path, 'give each file once')
    paths.add(f.path)
    if (!Number.isInteger(f.mode) || f.mode < 0 || f.mode > 0o7777) bad(`mode of ${f.path}`, f.mode, 'use permission bits like 0o755')
  }
  for (const u of input.agent.enableUnits) {
    if (!/^[A-Za-z0-9@._:-]+\.(service|timer|path|socket|target|mount)$/.test(u)) bad('systemd unit', u, 'use a unit name like vmlab-identity.service')
  }
}

function refuseLineBreaks(value: unknown, where: string): void {
  if (typeof value === 'string') {
    if (/[\r\n\0]/.test(value)) {
      throw new InputError(`kickstart: ${where} contains a line break or NUL`, 'kickstart values must fit on one line')
    }
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) refuseLineBreaks(v, `${where}[${i}]`)
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      // file contents are written through a heredoc and may hold anything
      if (where.startsWith('input.agent.files[') && k === 'content') continue
      refuseLineBreaks(v, `${where}.${k}`)
    }
  }
}
