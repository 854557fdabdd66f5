import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
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

/** An SSH wire-format string: a uint32 length, then the bytes. */
function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  const length = Buffer.alloc(4)
  length.writeUInt32BE(bytes.length)
  return Buffer.concat([length, bytes])
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}

/**
 * An ed25519 pair from Node's crypto, written in OpenSSH's own formats (PROTOCOL.key). Not ssh2's
 * generateKeyPairSync: about one key in 256 has a public key starting with a zero byte, which ssh2 drops
 * (as if it were an mpint), and OpenSSH then refuses the file ("error in libcrypto").
 */
function ed25519(comment: string): SshKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url')
  const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)])
  const check = randomBytes(4)
  const secret = Buffer.concat([check, check, sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)])
  // Unencrypted keys are padded with 1, 2, 3, … to the 8-byte block size.
  const padding = Buffer.from(Array.from({ length: (8 - (secret.length % 8)) % 8 }, (_, i) => i + 1))
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0', 'latin1'), sshString('none'), sshString('none'), sshString(''), uint32(1), sshString(blob), sshString(Buffer.concat([secret, padding]))])
  const lines = body.toString('base64').match(/.{1,70}/g)!
  return {
    private: ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join('\n'),
    public: `ssh-ed25519 ${blob.toString('base64')} ${comment}`,
  }
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
