import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { firstManager } from '../lab/targets.js'
import { probeSections } from '../modules/lib/probe-script.js'
import { apiFilters, apiSaid, engineGets, parseAnswers } from '../modules/lib/docker-api.js'
import { listedServices } from './lib/service-list.js'

/**
 * A stack deployed from the student's own compose file, whatever it is called: swarm labels every service of
 * `docker stack deploy … NAME` with com.docker.stack.namespace=NAME, and each must run all its replicas
 * (the Engine's own count of running and desired tasks).
 */
export const stackCheck: Check<CheckOptions<'stack'>> = async ({ lab, options, guest }) => {
  const manager = firstManager(lab)
  const { guest: g } = await guest(manager)
  const { services } = await probeSections(g, manager, { services: engineGets([`/services?status=true&${apiFilters({ label: [`com.docker.stack.namespace=${options.name}`] })}`]) })
  const [answer] = parseAnswers(services.out, 1)
  const wanted = options.services ?? []
  const expected = `stack ${options.name} deployed${wanted.length ? ` with ${wanted.join(', ')}` : ''}, every service at its replicas`
  if (!answer!.ok) return [{ on: manager, passed: false, expected, found: apiSaid(answer!, services.code) }]
  const rows = listedServices(answer!.out, manager).map((sv) => ({ name: sv.name, replicas: sv.replicas, ok: sv.running === sv.desired && sv.desired > 0 }))
  if (!rows.length) return [{ on: manager, passed: false, expected, found: `no stack ${options.name}` }]
  // `web` and `NAME_web` both name the stack's service web.
  const has = (s: string) => rows.some((r) => r.name === s || r.name === `${options.name}_${s}`)
  const missing = wanted.filter((s) => !has(s))
  const short = rows.filter((r) => !r.ok)
  const found = [...(missing.length ? [`no service ${missing.join(', ')}`] : []), ...(short.length ? [`not all replicas running: ${short.map((r) => `${r.name} ${r.replicas}`).join(', ')}`] : [])]
  return [{ on: manager, passed: found.length === 0, expected, found: found.length ? found.join('; ') : rows.map((r) => `${r.name} ${r.replicas}`).join(', ') }]
}
