/**
 * The lab's passwords and SSH key: generated once per lab (unless the lab file gives them), kept in
 * `.lab/<lab>/` with mode 0600, and never written in clear anywhere else.
 */
import { labKey } from '../lab/instance.js'
import { readFile } from 'node:fs/promises'
import type { LoadedLab } from '../lab/load.js'
import { stateLayout } from '../state/layout.js'
import { readSecrets, writeSecrets, type Secrets } from '../state/secrets.js'
import { ensureStateDir } from '../state/state-dir.js'
import { generatePassword, sha512Crypt } from '../kickstart/password.js'
import { generateUserKey, writePrivateKey } from '../media/ssh-keys.js'
import { writeFileAtomic, ensurePrivateDir } from '../util/files.js'

export interface LabCredentials {
  secrets: Secrets
  /** Private key (OpenSSH format) that root and the lab user accept. */
  privateKey: string
  publicKey: string
  privateKeyPath: string
}

/** One password setting: the lab file's clear text or hash wins; otherwise keep what we generated before. */
function settle(given: { clear?: string; hash?: string }, stored: { clear?: string; hash?: string } | undefined): { clear?: string; hash: string } {
  if (given.hash !== undefined) return { hash: given.hash }
  if (given.clear !== undefined) {
    // Re-hash only when the password changed, so the kickstart (and the base built from it) stays the same.
    if (stored?.clear === given.clear && stored.hash) return { clear: given.clear, hash: stored.hash }
    return { clear: given.clear, hash: sha512Crypt(given.clear) }
  }
  if (stored?.hash && stored.clear !== undefined) return { clear: stored.clear, hash: stored.hash }
  const clear = generatePassword()
  return { clear, hash: sha512Crypt(clear) }
}

export async function ensureCredentials(loaded: LoadedLab): Promise<LabCredentials> {
  const paths = stateLayout(loaded.stateDir)
  // `lab kickstart` comes here without opening the lab: its folder is made private here too.
  await ensureStateDir(paths.dir)
  const install = loaded.lab.install
  const stored = await readSecrets(paths.secrets)
  const root = settle({ clear: install.root_password, hash: install.root_password_hash }, stored && { clear: stored.rootPassword, hash: stored.rootPasswordHash })
  const user = settle({ clear: install.user.password, hash: install.user.password_hash }, stored && { clear: stored.userPassword, hash: stored.userPasswordHash })
  const secrets: Secrets = {
    rootPasswordHash: root.hash,
    userPasswordHash: user.hash,
    services: stored?.services ?? {},
  }
  if (root.clear !== undefined) secrets.rootPassword = root.clear
  if (user.clear !== undefined) secrets.userPassword = user.clear
  if (JSON.stringify(secrets) !== JSON.stringify(stored)) await writeSecrets(paths.secrets, secrets)

  let privateKey: string
  let publicKey: string
  try {
    privateKey = await readFile(paths.userKey, 'utf8')
    publicKey = (await readFile(`${paths.userKey}.pub`, 'utf8')).trim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    await ensurePrivateDir(paths.keysDir)
    const pair = generateUserKey(`vmlab-${labKey(loaded.lab)}`)
    privateKey = pair.private
    publicKey = pair.public.trim()
    await writePrivateKey(paths.userKey, privateKey)
    await writeFileAtomic(`${paths.userKey}.pub`, publicKey + '\n', 0o644)
  }
  return { secrets, privateKey, publicKey, privateKeyPath: paths.userKey }
}
