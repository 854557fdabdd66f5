/** Passwords of services the modules set up (Portainer, Harbor …): made on first use, kept with the lab's secrets. */
import { readSecrets, writeSecrets } from '../state/secrets.js'
import { generatePassword } from '../kickstart/password.js'
import { LabError } from '../util/errors.js'
import type { LabContext } from './lab-context.js'

export async function secretFor(ctx: LabContext, name: string): Promise<string> {
  const secrets = await readSecrets(ctx.paths.secrets)
  if (!secrets) throw new LabError(`the lab's secrets are missing (${ctx.paths.secrets})`, { hint: 'run `lab up` to create them' })
  const existing = secrets.services[name]
  if (existing !== undefined) return existing
  const made = generatePassword()
  secrets.services[name] = made
  await writeSecrets(ctx.paths.secrets, secrets)
  return made
}
