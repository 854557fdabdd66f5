/**
 * The lab file's `proxmox:` block and the token secret. The secret never sits in the lab file: it comes from
 * an environment variable or a file only its owner can read, and every message shows it as ***.
 */
import { readFileSync, statSync } from 'node:fs'
import { LabError } from '../../util/errors.js'

export interface ProxmoxSettings {
  /** https://pve.example.org:8006 (the API lives under /api2/json). */
  url: string
  /** USER@REALM!TOKENID, e.g. vmlab@pve!lab. */
  token: string
  /** Environment variable holding the token secret (PVE_TOKEN_SECRET by default). */
  secretEnv?: string
  /** A file holding the token secret, mode 0600. */
  secretFile?: string
  /** sha256 fingerprint of the server's certificate (AA:BB:…), as `pvenode cert info` prints it. */
  fingerprint?: string
  /** A CA certificate file (PEM) that signed the server's certificate. */
  caFile?: string
  /** Storage for VM disks and cloud-init drives (local-lvm, ceph-vm, …). */
  storage: string
  /** Storage for uploaded ISOs and disk images (content iso and import): `local` by default. */
  isoStorage?: string
  /** The bridge the lab NIC joins (vmbr1). */
  bridge: string
  /** Pool the lab's VMs go into (created if missing). */
  pool?: string
  /** Cluster nodes the lab may use; all online nodes when left out. */
  nodes?: string[]
}

export const DEFAULT_SECRET_ENV = 'PVE_TOKEN_SECRET'

/** The token secret, from the file when one is named, else from the environment. */
export function readTokenSecret(s: Pick<ProxmoxSettings, 'secretEnv' | 'secretFile'>, env: NodeJS.ProcessEnv = process.env): string {
  if (s.secretFile !== undefined) {
    let mode: number
    try {
      mode = statSync(s.secretFile).mode
    } catch {
      throw new LabError(`proxmox: the token secret file ${s.secretFile} does not exist`, { hint: `write the secret into it: (umask 077; printf %s SECRET > ${s.secretFile})` })
    }
    // Group or world bits mean someone else may read the key to the cluster.
    if ((mode & 0o077) !== 0) throw new LabError(`proxmox: the token secret file ${s.secretFile} is readable by others (mode ${(mode & 0o777).toString(8)})`, { hint: `chmod 600 ${s.secretFile}` })
    const secret = readFileSync(s.secretFile, 'utf8').trim()
    if (secret === '') throw new LabError(`proxmox: the token secret file ${s.secretFile} is empty`, { hint: 'put the secret `pveum user token add` printed into it' })
    return secret
  }
  const name = s.secretEnv ?? DEFAULT_SECRET_ENV
  const secret = env[name]?.trim()
  if (!secret)
    throw new LabError(`proxmox: no API token secret: ${name} is not set`, {
      hint: `export ${name}=… (the secret \`pveum user token add\` printed), or set proxmox.secretFile to a 0600 file holding it`,
    })
  return secret
}
