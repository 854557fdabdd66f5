import { createHash } from 'node:crypto'
import { InputError } from '../util/errors.js'

/** A pinned host key: the type named in the public key line and the raw key blob sshd presents. */
export interface PinnedKey {
  type: string
  blob: Buffer
  fingerprint: string
}

/** Reads one OpenSSH public key line ('ssh-ed25519 AAAA… comment'). */
export function parsePublicKey(line: string): PinnedKey {
  const [type, data] = line.trim().split(/\s+/)
  const blob = data === undefined ? Buffer.alloc(0) : Buffer.from(data, 'base64')
  // The blob starts with its own type name; a line whose two halves disagree is corrupt.
  if (type === undefined || blob.length === 0 || blobType(blob) !== type) {
    throw new InputError(`not an OpenSSH public key: ${JSON.stringify(line.slice(0, 60))}`, 'expected one line like "ssh-ed25519 AAAA… comment", as in a .pub file')
  }
  return { type, blob, fingerprint: fingerprintOf(blob) }
}

/** The fingerprint exactly as `ssh-keygen -l` prints it: `SHA256:` and unpadded base64. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

/** The key type recorded inside a raw key blob. */
export function blobType(blob: Buffer): string {
  return blob.length >= 4 ? blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1') : 'unknown'
}

/**
 * Host key algorithms to offer so that sshd presents the pinned key and not another of its
 * keys (a stock sshd also has RSA and ECDSA keys; negotiation would otherwise pick by preference).
 */
export function hostKeyAlgorithms(type: string): string[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type]
}
