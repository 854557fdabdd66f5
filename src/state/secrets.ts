/**
 * The lab's secrets (passwords in clear so `lab creds` can show them, and their hashes for the kickstart), in a
 * file only the owner can read. Created once per lab and kept: rebuilding a node keeps its passwords.
 */
import { z } from 'zod'
import { writePrivateFile, readTextIfExists } from '../util/files.js'
import { LabError } from '../util/errors.js'
import { parseJsonText } from '../util/json-text.js'

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
  const json = parseJsonText(text)
  if (!json.ok) throw damaged(path, json.problem)
  const parsed = secretsSchema.safeParse(json.value)
  if (!parsed.success) throw damaged(path, parsed.error.issues.map((i) => `${i.path.join('.') || 'the file'}: ${i.message}`).join('; '))
  return parsed.data
}

function damaged(path: string, why: string): LabError {
  // New passwords would not open VMs installed with the old ones: say so before anyone removes the file.
  return new LabError(`the lab's secrets file ${path} is damaged: ${why}`, {
    hint:
      `it holds the passwords the lab's VMs were installed with (they are in its base image): restore ${path} from a backup if you have one; ` +
      'otherwise move it away and run `lab destroy --force`, then `lab up` builds the lab again with new passwords',
  })
}

export async function writeSecrets(path: string, secrets: Secrets): Promise<void> {
  await writePrivateFile(path, JSON.stringify(secrets, null, 2) + '\n')
}
