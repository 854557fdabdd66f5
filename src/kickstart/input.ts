import type { OsInfo } from '../lab/os-catalog.js'

/**
 * Everything one kickstart needs, already resolved: no lab-file knowledge here. Built by the
 * engine from the lab model and rendered by renderKickstart().
 */
export interface KickstartInput {
  /** An EL entry of OS_CATALOG (family el7, el8 or el9). */
  os: OsInfo
  /** Fully qualified host name of the installed system, e.g. master.localdomain. */
  hostname: string
  source: KickstartSource
  /** Locale, e.g. en_US.UTF-8; also decides which translations get installed. */
  lang: string
  keyboard: {
    /** Console keymap (`localectl list-keymaps`), e.g. us, fr, de-latin1. */
    vconsoleKeymap: string
    /** X layouts, first is the default, e.g. ['us'] or ['fr (oss)']. */
    xLayouts: string[]
  }
  /** Olson name, e.g. Europe/Paris or Etc/UTC; the hardware clock is always UTC. */
  timezone: string
  /** NTP servers (host names or IPv4); empty: the distribution's default pool. */
  ntpServers: string[]
  /** First NIC, NAT to the outside, DHCP. Without a MAC the installer takes the first with link. */
  natNic: { mac?: string }
  /** Second NIC, static address on the lab network, identified by its MAC. */
  labNic: LabNic
  /** `$6$` SHA-512-crypt hash (see password.ts). */
  rootPasswordHash: string
  /** One OpenSSH public key line for root. */
  rootSshKey: string
  user: LabUser
  selinux: 'enforcing' | 'permissive' | 'disabled'
  firewall: {
    enabled: boolean
    /** firewalld service names to open, e.g. ['ssh']. */
    services: string[]
    ports: { port: number; protocol: 'tcp' | 'udp' }[]
  }
  /** Packages on top of the minimal set this tool always installs. */
  packages: string[]
  /** Disk to install on (sda, vda, nvme0n1); default: every disk of the VM (the base VM has one). */
  disk: { device?: string }
  /** The node identity agent that %post writes into the base image. */
  agent: {
    files: AgentFile[]
    /** systemd units to enable, e.g. ['vmlab-identity.service']. */
    enableUnits: string[]
  }
}

export type KickstartSource =
  /** The install disc itself (minimal or DVD ISO). */
  | { kind: 'cdrom' }
  /** A network tree (boot ISOs, or a local mirror) plus extra repositories. */
  | { kind: 'url'; url: string; repos: KickstartRepo[] }

export interface KickstartRepo {
  /** Repository id, e.g. updates. */
  name: string
  baseurl: string
}

export interface LabNic {
  mac: string
  ip: string
  /** Prefix length of the lab network, e.g. 24. */
  prefix: number
  gateway?: string
  nameservers: string[]
}

export interface LabUser {
  name: string
  passwordHash: string
  sshKey: string
  /** Member of wheel, with a NOPASSWD sudoers drop-in. */
  sudo: boolean
}

export interface AgentFile {
  /** Absolute path in the installed system. */
  path: string
  /** Permission bits, e.g. 0o755. */
  mode: number
  /** Any text: written byte for byte. */
  content: string
}

/**
 * CentOS 7 is end of life: its mirrors are gone and the last release lives in the vault.
 * The path is pinned to 7.9.2009 because $releasever (7) no longer exists there.
 */
export const CENTOS7_VAULT = 'http://vault.centos.org/7.9.2009'

export function centos7VaultSource(): KickstartSource {
  return {
    kind: 'url',
    url: `${CENTOS7_VAULT}/os/x86_64/`,
    repos: [
      { name: 'updates', baseurl: `${CENTOS7_VAULT}/updates/x86_64/` },
      { name: 'extras', baseurl: `${CENTOS7_VAULT}/extras/x86_64/` },
    ],
  }
}
