/** Every secret the lab holds, in clear: what a result bundle must never carry, whatever a node printed. */
import { readSecrets } from '../../state/secrets.js'
import type { LabContext } from '../lab-context.js'

export async function secretsOf(ctx: LabContext): Promise<string[]> {
  const s = await readSecrets(ctx.paths.secrets)
  if (!s) return []
  const all = [s.rootPassword, s.userPassword, s.rootPasswordHash, s.userPasswordHash, ...Object.values(s.services)]
  return all.filter((v): v is string => typeof v === 'string' && v.length >= 4)
}
