import { createHash } from 'node:crypto'
import ssh2 from 'ssh2'
import { LabError } from '../util/errors.js'
import { writePrivateFile } from '../util/files.js'

/** An OpenSSH key pair: `private` is the PEM-armoured OpenSSH private key, `public` one authorized_keys line. */
export interface SshKeyPair {
  private: string
  public: string
}

/**
 * Host keys for one node. Only ed25519: every guest we support has an sshd that accepts it
 * (OpenSSH 6.5+; CentOS 7 ships 7.4 with an ed25519 HostKey in its default sshd_config), and
 * one key type keeps pinning simple.
 */
export interface HostKeys {
  ed25519: SshKeyPair
}

function ed25519(comment: string): SshKeyPair {
  const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment })
  return { private: pair.private, public: pair.public.trim() }
}

/** Fresh host keys for a node, with the comment ssh-keygen would give them (`root@<fqdn>`). */
export function generateHostKeys(nodeFqdn: string): HostKeys {
  return { ed25519: ed25519(`root@${nodeFqdn}`) }
}

/** A fresh ed25519 key pair for the tool (or a user) to log in with. */
export function generateUserKey(comment: string): SshKeyPair {
  return ed25519(comment)
}

function publicBlob(publicLine: string): { type: string; blob: Buffer } {
  const [type, data] = publicLine.trim().split(/\s+/)
  const blob = data === undefined ? Buffer.alloc(0) : Buffer.from(data, 'base64')
  if (type === undefined || blob.length === 0) {
    throw new LabError(`not an OpenSSH public key: ${JSON.stringify(publicLine.slice(0, 60))}`, {
      hint: 'expected one line like "ssh-ed25519 AAAA… comment"',
    })
  }
  return { type, blob }
}

/** The key's SHA-256 fingerprint exactly as `ssh-keygen -lf` prints it: `SHA256:` and unpadded base64. */
export function fingerprintSha256(publicLine: string): string {
  const digest = createHash('sha256').update(publicBlob(publicLine).blob).digest('base64')
  return `SHA256:${digest.replace(/=+$/, '')}`
}

/** How known_hosts names a host on a port: the bare name on 22, `[host]:port` otherwise. */
export function knownHostsHost(host: string, port = 22): string {
  return port === 22 ? host : `[${host}]:${port}`
}

/** One known_hosts line pinning `publicLine` for every name in `hosts` (already in known_hosts form). */
export function knownHostsLine(hosts: string[], publicLine: string): string {
  if (hosts.length === 0) throw new LabError('knownHostsLine needs at least one host name')
  const { type } = publicBlob(publicLine)
  const data = publicLine.trim().split(/\s+/)[1]
  return `${hosts.join(',')} ${type} ${data}`
}

/**
 * Writes a private key so that it is 0600 from the moment it exists: a new file created with
 * that mode, then renamed over the target (an existing file would keep its old mode otherwise).
 */
export async function writePrivateKey(path: string, pem: string): Promise<void> {
  await writePrivateFile(path, pem)
}
