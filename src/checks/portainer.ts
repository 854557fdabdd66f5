import { z } from 'zod'
import type { Check, CheckOutcome } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { firstManager } from '../lab/targets.js'
import { probeSections } from '../modules/lib/probe-script.js'
import { parseDockerJson } from '../modules/lib/docker-json.js'
import { swarmMembers } from '../modules/lib/docker-swarm.js'
import { shellQuote } from '../guest/remote-command.js'
import { inspectRunning } from './lib/running-containers.js'
import { apiSaid, engineGets, parseAnswers } from '../modules/lib/docker-api.js'
import { listedServices } from './lib/service-list.js'

type Options = CheckOptions<'portainer'>

const ContainerSchema = z.object({
  Name: z.string().default(''),
  Config: z.object({ Image: z.string() }),
  Mounts: z.array(z.object({ Source: z.string().default(''), Destination: z.string() })).nullish(),
})

const SOCKET = '/var/run/docker.sock'
const isPortainer = (image: string) => /(^|\/)portainer\/portainer(-ce|-ee)?(:|@|$)/.test(image)
const answered = (out: string) => {
  const code = Number(out.trim())
  return code >= 200 && code < 400
}

/**
 * Portainer as the course runs it: a standalone container that manages the node through docker.sock, its UI
 * answering on 9000 (HTTP) or 9443 (HTTPS, its own certificate), and/or the agent as a global service with a
 * running task on every swarm node. Whatever the student named the container or the agent service.
 */
export const portainerCheck: Check<Options> = async ({ lab, options, guest }) => {
  const rows: CheckOutcome[] = []
  if (options.node !== undefined) rows.push(await standalone(lab, options.node, guest))
  if (options.agent) rows.push(await agent(lab, guest))
  return rows
}

async function standalone(lab: Parameters<Check<Options>>[0]['lab'], name: string, guest: Parameters<Check<Options>>[0]['guest']): Promise<CheckOutcome> {
  const node = lab.nodes.find((n) => n.name === name)!
  const { guest: g } = await guest(name)
  const code = (url: string, insecure = false) => `curl -s -m 10 ${insecure ? '-k ' : ''}-o /dev/null -w '%{http_code}' ${shellQuote(url)}`
  const s = await probeSections(g, name, {
    containers: inspectRunning(),
    http: code(`http://${node.ip}:9000/`),
    https: code(`https://${node.ip}:9443/`, true),
  })
  const expected = `a running Portainer container with ${SOCKET} mounted, its UI answering on port 9000 or 9443`
  if (s.containers.code !== 0) return { on: name, passed: false, expected, found: s.containers.out.trim().split('\n').pop() || 'docker does not answer' }
  const containers = parseDockerJson(z.array(ContainerSchema), s.containers.out, 'docker inspect', name).filter((c) => isPortainer(c.Config.Image))
  if (!containers.length) return { on: name, passed: false, expected, found: 'no Portainer container running' }
  const withSocket = containers.find((c) => (c.Mounts ?? []).some((m) => m.Destination === SOCKET))
  const ui = [answered(s.http.out) ? '9000' : '', answered(s.https.out) ? '9443' : ''].filter(Boolean)
  const wrong = [...(withSocket ? [] : [`${containers[0]!.Name.replace(/^\//, '')} has no ${SOCKET} mounted`]), ...(ui.length ? [] : ['its UI answers on neither 9000 nor 9443'])]
  return { on: name, passed: wrong.length === 0, expected, found: wrong.length ? wrong.join('; ') : `${withSocket!.Name.replace(/^\//, '')} (${withSocket!.Config.Image}), UI on ${ui.join(' and ')}` }
}

async function agent(lab: Parameters<Check<Options>>[0]['lab'], guest: Parameters<Check<Options>>[0]['guest']): Promise<CheckOutcome> {
  const manager = firstManager(lab)
  const nodes = swarmMembers(lab).length
  const { guest: g } = await guest(manager)
  const { services } = await probeSections(g, manager, { services: engineGets(['/services?status=true']) })
  const [answer] = parseAnswers(services.out, 1)
  const expected = `the Portainer agent as a global service, running on all ${nodes} nodes`
  if (!answer!.ok) return { on: manager, passed: false, expected, found: apiSaid(answer!, services.code) }
  const agents = listedServices(answer!.out, manager).filter((sv) => /(^|\/)portainer\/agent(:|@|$)/.test(sv.image))
  if (!agents.length) return { on: manager, passed: false, expected, found: 'no Portainer agent service' }
  const good = agents.find((a) => a.mode === 'global' && a.replicas === `${nodes}/${nodes}`)
  const a = good ?? agents[0]!
  return { on: manager, passed: good !== undefined, expected, found: `${a.name}: ${a.mode}, ${a.replicas} running` }
}
