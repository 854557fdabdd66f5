/** From a lab to the inputs of one kickstart: for a node installed on its own, or for the lab's base VM. */
import { labKey } from '../lab/instance.js'
import type { ResolvedLab } from '../lab/resolve.js'
import { macFor } from '../lab/resolve.js'
import { labMac } from '../lab/mac.js'
import { capabilitiesOf } from '../providers/capabilities.js'
import { parseCidr, broadcast, formatIPv4, type Cidr } from '../lab/net.js'
import type { OsInfo } from '../lab/os-catalog.js'
import type { ProviderName } from '../lab/schema.js'
import type { KickstartInput, KickstartSource } from '../kickstart/input.js'
import { centos7VaultSource } from '../kickstart/input.js'
import { identityAgentFiles } from '../media/identity-agent.js'
import type { LabCredentials } from './credentials.js'

export type KickstartTarget = { kind: 'node'; node: string } | { kind: 'base' }

/** The base VM takes the last usable address of the lab network: it is never up at the same time as the nodes. */
export function baseAddress(lab: ResolvedLab): string {
  return formatIPv4(broadcast(parseCidr(lab.network.cidr) as Cidr) - 1)
}

function source(lab: ResolvedLab, os: OsInfo): KickstartSource {
  if (lab.install.source === 'cdrom') return { kind: 'cdrom' }
  if (lab.install.mirror) return { kind: 'url', url: lab.install.mirror, repos: [] }
  if (os.id === 'centos7') return centos7VaultSource()
  return { kind: 'url', url: os.installUrl!, repos: [] }
}

export function kickstartInput(lab: ResolvedLab, target: KickstartTarget, creds: LabCredentials, provider: ProviderName, os: OsInfo = lab.os): KickstartInput {
  let hostname: string
  let ip: string
  let mac: string
  if (target.kind === 'base') {
    ip = baseAddress(lab)
    hostname = `${lab.name}-base.${lab.network.domain}`
    mac = labMac(capabilitiesOf(provider).macs, labKey(lab), Number(ip.split('.').reduce((a, o) => a * 256 + Number(o), 0)))
  } else {
    const node = lab.nodes.find((n) => n.name === target.node)!
    ip = node.ip
    hostname = node.fqdn
    mac = macFor(lab, node, provider)
  }
  const agent = identityAgentFiles()
  return {
    os,
    hostname,
    source: source(lab, os),
    lang: lab.install.lang,
    keyboard: { vconsoleKeymap: lab.install.keyboard, xLayouts: [lab.install.keyboard] },
    timezone: lab.install.timezone,
    ntpServers: lab.install.ntp,
    natNic: {},
    labNic: { mac, ip, prefix: lab.network.prefix, nameservers: [] },
    rootPasswordHash: creds.secrets.rootPasswordHash,
    rootSshKey: creds.publicKey,
    user: { name: lab.install.user.name, passwordHash: creds.secrets.userPasswordHash, sshKey: creds.publicKey, sudo: lab.install.user.sudo },
    selinux: lab.install.selinux,
    firewall: { enabled: lab.install.firewall, services: ['ssh'], ports: [] },
    packages: lab.install.packages,
    disk: {},
    agent: { files: agent.files.map((f) => ({ path: f.path, mode: f.mode, content: f.content })), enableUnits: agent.enableUnits },
  }
}
