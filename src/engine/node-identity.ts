/**
 * Each node's identity: host keys generated here (so they can be pinned), and the seed disc that carries
 * them with the hostname, lab address and authorized keys into the clone.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ResolvedLab, ResolvedNode } from '../lab/resolve.js'
import { macFor } from '../lab/resolve.js'
import type { ProviderName } from '../lab/schema.js'
import { capabilitiesOf } from '../providers/capabilities.js'
import { generateHostKeys, writePrivateKey, knownHostsLine, knownHostsHost, type HostKeys } from '../media/ssh-keys.js'
import { nodeIdentity, writeSeedIso, type NodeIdentity } from '../media/seed.js'
import { stateLayout } from '../state/layout.js'
import { ensurePrivateDir, writeFileAtomic } from '../util/files.js'
import type { LabCredentials } from './credentials.js'

function hostKeyPath(stateDir: string, node: string): string {
  return join(stateLayout(stateDir).keysDir, 'hosts', `${node}_ssh_host_ed25519_key`)
}

/** The node's host keys: made once and kept, so a rebuilt clone keeps the key users pinned. */
export async function ensureHostKeys(stateDir: string, node: ResolvedNode): Promise<HostKeys> {
  const path = hostKeyPath(stateDir, node.name)
  try {
    const priv = await readFile(path, 'utf8')
    const pub = (await readFile(`${path}.pub`, 'utf8')).trim()
    return { ed25519: { private: priv, public: pub } }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  await ensurePrivateDir(join(stateLayout(stateDir).keysDir, 'hosts'))
  const keys = generateHostKeys(node.fqdn)
  await writePrivateKey(path, keys.ed25519.private)
  await writeFileAtomic(`${path}.pub`, keys.ed25519.public + '\n', 0o644)
  return keys
}

/** `natMac`: the node's other NIC, for seeds that cloud-init (rather than the identity agent) applies. */
export function identityFor(lab: ResolvedLab, node: ResolvedNode, provider: ProviderName, creds: LabCredentials, hostKeys: HostKeys, natMac?: string): NodeIdentity {
  return nodeIdentity({
    ...(natMac !== undefined ? { natMac } : {}),
    ...(capabilitiesOf(provider).labNetworkIsUplink ? { gateway: lab.network.hostIp, dns: [lab.network.hostIp] } : {}),
    hostname: node.name,
    fqdn: node.fqdn,
    domain: lab.network.domain,
    labIp: node.ip,
    prefix: lab.network.prefix,
    labMac: macFor(lab, node, provider),
    hosts: lab.nodes.map((n) => ({ ip: n.ip, fqdn: n.fqdn, short: n.name })),
    authorizedKeys: [creds.publicKey],
    user: { name: lab.install.user.name, sudo: lab.install.user.sudo },
    hostKeys,
  })
}

/** Writes the node's seed disc into the lab's media folder and returns its path. */
export async function writeNodeSeed(stateDir: string, id: NodeIdentity, node: string): Promise<string> {
  const path = join(stateLayout(stateDir).mediaDir, `${node}-seed.iso`)
  await writeSeedIso(path, id, { date: new Date(0) })
  return path
}

/** known_hosts lines for every node under every name a user may type (for `lab ssh-config`). */
export function knownHosts(entries: Array<{ names: string[]; port: number; publicKey: string }>): string {
  return (
    entries
      .map((e) =>
        knownHostsLine(
          e.names.map((n) => knownHostsHost(n, e.port)),
          e.publicKey,
        ),
      )
      .join('\n') + '\n'
  )
}
