/**
 * The lab's secrets (passwords in clear so `lab creds` can show them, and their hashes for the kickstart), in a
 * file only the owner can read. Created once per lab and kept: rebuilding a node keeps its passwords.
 */
import { z } from 'zod'
import { writePrivateFile, readTextIfExists } from '../util/files.js'
import { LabError } from '../util/errors.js'

const secretsSchema = z.object({
  rootPassword: z.string().optional(),
  rootPasswordHash: z.string(),
  userPassword: z.string().optional(),
  userPasswordHash: z.string(),
  /** Passwords of services the modules set up (Portainer, Harbor admin …), by name. */
  services: z.record(z.string(), z.string()).default({}),
})

export type Secrets = z.output<typeof secretsSchema>

export async function readSecrets(path: string): Promise<Secrets | undefined> {
  const text = await readTextIfExists(path)
  if (text === undefined) return undefined
  const parsed = secretsSchema.safeParse(JSON.parse(text))
  if (!parsed.success) throw new LabError(`the lab's secrets file ${path} is damaged`, { hint: `remove it to generate new passwords (the VMs keep the old ones until rebuilt)` })
  return parsed.data
}

export async function writeSecrets(path: string, secrets: Secrets): Promise<void> {
  await writePrivateFile(path, JSON.stringify(secrets, null, 2) + '\n')
}
