import { createHash } from 'node:crypto'
import { Scalar, stringify } from 'yaml'
import { InputError } from '../util/errors.js'
import { IDENTITY_AGENT_PATH } from './identity-agent.js'
import { buildIso, writeIsoFile } from './iso9660.js'
import type { HostKeys } from './ssh-keys.js'
import { LOCALHOST_LINES, hostsBlock } from '../lab/etc-hosts.js'

/** The volume label cloud-init's NoCloud source and the vmlab identity agent look for. */
export const SEED_VOLUME_ID = 'cidata'

export interface HostEntry {
  ip: string
  fqdn: string
  short: string
}

/** Everything that makes a clone this node and no other. */
export interface NodeIdentity {
  /** Changes whenever anything below changes (see `instanceIdFor`), so the guest re-applies it. */
  instanceId: string
  /** Short host name (`node1`). */
  hostname: string
  /** `node1.localdomain`; the guest's host name is set to this. */
  fqdn: string
  domain: string
  /** Static address on the lab network, with its prefix length. */
  labIp: string
  prefix: number
  /** MAC of the NIC on the lab network. */
  labMac: string
  /**
   * MAC of the other (NAT, DHCP) NIC. Only cloud-init uses it; without it that NIC is matched
   * by name (`e*`), which netplan handles but cloud-init's sysconfig/NetworkManager renderers do not.
   */
  natMac?: string
  /** Default route over the lab network; usually absent (the NAT NIC's DHCP gives one). */
  gateway?: string
  dns?: string[]
  /** Every node of the lab, this one included. */
  hosts: HostEntry[]
  /** authorized_keys lines for root (and for `user`). */
  authorizedKeys: string[]
  /** A login user that already exists in the base image (or that cloud-init creates). */
  user?: { name: string; sudo: boolean }
  hostKeys: HostKeys
}

export type NodeIdentityInput = Omit<NodeIdentity, 'instanceId'>

export interface SeedFile {
  /** Path inside the seed disc, `/`-separated, no leading slash. */
  path: string
  data: string
  mode?: number
}

/** A hash of every identity input, readable in logs: `vmlab-node1-<16 hex>`. */
export function instanceIdFor(input: NodeIdentityInput): string {
  // A fixed field order (not JSON of the object) so that key order never changes the id.
  const canonical = JSON.stringify([
    input.hostname,
    input.fqdn,
    input.domain,
    input.labIp,
    input.prefix,
    input.labMac.toLowerCase(),
    input.natMac?.toLowerCase() ?? null,
    input.gateway ?? null,
    input.dns ?? [],
    input.hosts.map((h) => [h.ip, h.fqdn, h.short]),
    input.authorizedKeys,
    input.user ? [input.user.name, input.user.sudo] : null,
    [input.hostKeys.ed25519.public, input.hostKeys.ed25519.private],
  ])
  const hash = createHash('sha256').update(canonical).digest('hex').slice(0, 16)
  return `vmlab-${input.hostname}-${hash}`
}

export function nodeIdentity(input: NodeIdentityInput): NodeIdentity {
  return { ...input, instanceId: instanceIdFor(input) }
}

/**
 * A file of `KEY='value'` lines that any POSIX shell can source without running anything:
 * inside single quotes nothing is special but the quote itself, written as '\''.
 */
export function shellEnvFile(vars: ReadonlyArray<readonly [string, string]>, header?: string): string {
  const lines = header === undefined ? [] : header.split('\n').map((l) => `# ${l}`)
  for (const [key, value] of vars) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new InputError(`not a shell variable name: ${JSON.stringify(key)}`)
    lines.push(`${key}='${value.replace(/'/g, `'\\''`)}'`)
  }
  return `${lines.join('\n')}\n`
}

/** The files of a node's seed disc: cloud-init NoCloud (stock cloud images) plus `vmlab/` for the identity agent. */
export function seedFiles(id: NodeIdentity): SeedFile[] {
  checkIdentity(id)
  const labMac = id.labMac.toLowerCase()
  const authorizedKeys = lines(id.authorizedKeys.map((k) => k.trim()))
  const env = shellEnvFile(
    [
      ['VMLAB_INSTANCE_ID', id.instanceId],
      ['VMLAB_HOSTNAME', id.hostname],
      ['VMLAB_FQDN', id.fqdn],
      ['VMLAB_DOMAIN', id.domain],
      ['VMLAB_LAB_IP', id.labIp],
      ['VMLAB_PREFIX', String(id.prefix)],
      ['VMLAB_LAB_MAC', labMac],
      ['VMLAB_GATEWAY', id.gateway ?? ''],
      ['VMLAB_DNS', (id.dns ?? []).join(' ')],
      ['VMLAB_USER', id.user?.name ?? ''],
      ['VMLAB_USER_SUDO', id.user?.sudo === true ? 'yes' : 'no'],
      // NetworkManager profiles need a UUID; a derived one keeps the profile stable across runs.
      ['VMLAB_NM_UUID', derivedUuid(`nm-lab:${id.instanceId}`)],
    ],
    `vmlab node identity, read by ${IDENTITY_AGENT_PATH} at boot`,
  )
  return [
    { path: 'meta-data', data: yaml({ 'instance-id': id.instanceId, 'local-hostname': id.fqdn }), mode: 0o644 },
    // Holds the private host key, hence 0600 (Rock Ridge keeps the mode on the disc).
    { path: 'user-data', data: `#cloud-config\n${yaml(userData(id))}`, mode: 0o600 },
    { path: 'network-config', data: yaml(networkConfig(id)), mode: 0o644 },
    { path: 'vmlab/identity.env', data: env, mode: 0o644 },
    // The lab's block of /etc/hosts, markers included: the identity agent appends it as it is.
    { path: 'vmlab/hosts', data: lines(labBlock(id)), mode: 0o644 },
    { path: 'vmlab/authorized_keys', data: authorizedKeys, mode: 0o644 },
    { path: 'vmlab/ssh_host_ed25519_key', data: withNewline(id.hostKeys.ed25519.private), mode: 0o600 },
    { path: 'vmlab/ssh_host_ed25519_key.pub', data: withNewline(id.hostKeys.ed25519.public.trim()), mode: 0o644 },
  ]
}

/** The node's seed disc image (label `cidata`). Fix `date` for reproducible bytes. */
export function seedIso(id: NodeIdentity, opts: { date?: Date } = {}): Buffer {
  return buildIso({ volumeId: SEED_VOLUME_ID, files: seedFiles(id), date: opts.date })
}

/** Writes the seed disc to `path` (through a temporary file and a rename). */
export async function writeSeedIso(path: string, id: NodeIdentity, opts: { date?: Date } = {}): Promise<void> {
  await writeIsoFile(path, { volumeId: SEED_VOLUME_ID, files: seedFiles(id), date: opts.date })
}

// cloud-init reads YAML 1.1 (PyYAML): there an unquoted MAC is a base-60 number and `no` is
// false, so the document is written with 1.1 rules, which quote such strings. No anchors
// for repeated lists: plainer for people reading the seed.
function yaml(value: unknown): string {
  return stringify(value, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false })
}

function labBlock(id: NodeIdentity): string[] {
  return hostsBlock(id.hosts.map((h) => ({ ip: h.ip, names: [h.fqdn, h.short] })))
}

function lines(list: string[]): string {
  return list.map((l) => `${l}\n`).join('')
}

/** The same /etc/hosts the identity agent writes on a base without one, and the hosts module would keep. */
function etcHosts(id: NodeIdentity): string {
  return lines([...LOCALHOST_LINES, ...labBlock(id)])
}

function userData(id: NodeIdentity): Record<string, unknown> {
  const keys = id.authorizedKeys.map((k) => k.trim())
  const users = id.user
    ? [
        {
          name: id.user.name,
          shell: '/bin/bash',
          // The user may already exist with a password set by the installer: do not lock it.
          lock_passwd: false,
          ssh_authorized_keys: keys,
          ...(id.user.sudo ? { sudo: 'ALL=(ALL) NOPASSWD:ALL' } : {}),
        },
      ]
    : []
  return {
    preserve_hostname: false,
    hostname: id.hostname,
    fqdn: id.fqdn,
    prefer_fqdn_over_hostname: true,
    manage_etc_hosts: false,
    write_files: [{ path: '/etc/hosts', content: etcHosts(id), owner: 'root:root', permissions: '0644' }],
    // Root gets the keys as they are (not the "please log in as the default user" stub),
    // and an explicit user list means no distribution default user.
    disable_root: false,
    ssh_authorized_keys: keys,
    users,
    ssh_deletekeys: true,
    ssh_keys: {
      ed25519_private: withNewline(id.hostKeys.ed25519.private),
      ed25519_public: id.hostKeys.ed25519.public.trim(),
    },
  }
}

// Quoted even where YAML 1.1 would not need it (52:54:00:56:00:1a), as netplan's docs ask.
function mac(value: string): Scalar {
  const scalar = new Scalar(value.toLowerCase())
  scalar.type = 'QUOTE_DOUBLE'
  return scalar
}

/**
 * The names cloud-init gives the NICs it matches by MAC. Without `set-name` only netplan matches by MAC:
 * cloud-init's own renderers (networkd, sysconfig, eni) name each device after its key ("lab"), which no
 * NIC is called, and leave it unconfigured. eth0/eth1 are the names the vmlab images use too.
 */
export const UPLINK_NIC = 'eth0'
export const LAB_NIC = 'eth1'

function networkConfig(id: NodeIdentity): Record<string, unknown> {
  const lab: Record<string, unknown> = {
    match: { macaddress: mac(id.labMac) },
    // Renaming needs the other NIC matched by MAC too, or the kernel's eth1 may be the one in the way.
    ...(id.natMac !== undefined ? { 'set-name': LAB_NIC } : {}),
    dhcp4: false,
    addresses: [`${id.labIp}/${id.prefix}`],
  }
  // gateway4 rather than routes: the older cloud-init of EL7 images understands only this.
  if (id.gateway !== undefined) lab.gateway4 = id.gateway
  if (id.dns !== undefined && id.dns.length > 0) lab.nameservers = { addresses: id.dns, search: [id.domain] }
  // Without its MAC the NAT NIC is matched by name; networkd applies the first matching file
  // in name order, and netplan names them after these ids, so "lab" must sort before "uplink".
  const uplink = id.natMac !== undefined ? { match: { macaddress: mac(id.natMac) }, 'set-name': UPLINK_NIC } : { match: { name: 'e*' } }
  return { version: 2, ethernets: { lab, uplink: { ...uplink, dhcp4: true } } }
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`
}

function derivedUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest()
  h[6] = (h[6]! & 0x0f) | 0x50 // version 5 (name-based)
  h[8] = (h[8]! & 0x3f) | 0x80 // RFC 4122 variant
  const x = h.subarray(0, 16).toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`
}

const LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?'
const SHORT_NAME = new RegExp(`^${LABEL}$`, 'i')
const DOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`, 'i')
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`)
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i
const USER = /^[a-z_][a-z0-9_-]{0,31}$/
const KEY_LINE = /^(ssh-|ecdsa-|sk-)[^\r\n]+$/
const INSTANCE_ID = /^[A-Za-z0-9._-]{1,128}$/

// The agent writes these values unquoted into ifcfg files, keyfiles and /etc/hosts, so
// anything outside these shapes must stop here rather than reach a guest.
function checkIdentity(id: NodeIdentity): void {
  const bad = (what: string, value: unknown, expected: string): never => {
    throw new InputError(`node identity of ${JSON.stringify(id.fqdn)}: ${what} ${JSON.stringify(value)} is not ${expected}`, 'check the node names, addresses and keys in the lab file')
  }
  if (!INSTANCE_ID.test(id.instanceId)) bad('instance id', id.instanceId, 'made of letters, digits, ".", "_" and "-"')
  if (!SHORT_NAME.test(id.hostname)) bad('host name', id.hostname, 'a single DNS label')
  if (!DOMAIN.test(id.domain)) bad('domain', id.domain, 'a DNS domain')
  if (id.fqdn !== `${id.hostname}.${id.domain}`) bad('fqdn', id.fqdn, `"${id.hostname}.${id.domain}"`)
  if (!IPV4.test(id.labIp)) bad('lab address', id.labIp, 'an IPv4 address')
  if (!Number.isInteger(id.prefix) || id.prefix < 1 || id.prefix > 32) bad('prefix', id.prefix, 'an integer from 1 to 32')
  if (!MAC.test(id.labMac)) bad('lab MAC', id.labMac, 'a MAC address like 52:54:00:12:34:56')
  if (id.natMac !== undefined && !MAC.test(id.natMac)) bad('NAT MAC', id.natMac, 'a MAC address')
  if (id.natMac !== undefined && id.natMac.toLowerCase() === id.labMac.toLowerCase()) bad('NAT MAC', id.natMac, 'different from the lab MAC')
  if (id.gateway !== undefined && !IPV4.test(id.gateway)) bad('gateway', id.gateway, 'an IPv4 address')
  for (const d of id.dns ?? []) if (!IPV4.test(d)) bad('DNS server', d, 'an IPv4 address')
  for (const h of id.hosts) {
    if (!IPV4.test(h.ip)) bad('hosts address', h.ip, 'an IPv4 address')
    if (!DOMAIN.test(h.fqdn)) bad('hosts name', h.fqdn, 'a DNS name')
    if (!SHORT_NAME.test(h.short)) bad('hosts short name', h.short, 'a single DNS label')
  }
  if (!id.hosts.some((h) => h.fqdn === id.fqdn && h.ip === id.labIp))
    bad(
      'hosts list',
      id.hosts.map((h) => h.fqdn),
      `listing ${id.fqdn} at ${id.labIp}`,
    )
  if (id.authorizedKeys.length === 0) bad('authorized keys', [], 'a non-empty list (nobody could log in)')
  for (const k of id.authorizedKeys) if (!KEY_LINE.test(k.trim())) bad('authorized key', k.slice(0, 40), 'one OpenSSH public key line')
  if (id.user !== undefined && (!USER.test(id.user.name) || id.user.name === 'root')) bad('user name', id.user.name, 'a login name other than root')
  const { private: priv, public: pub } = id.hostKeys.ed25519
  if (!/^ssh-ed25519 [A-Za-z0-9+/=]+( [^\r\n]*)?$/.test(pub.trim())) bad('ed25519 host public key', pub.slice(0, 40), 'an ssh-ed25519 line')
  if (!priv.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----\n')) bad('ed25519 host private key', priv.slice(0, 20), 'in OpenSSH format')
}
