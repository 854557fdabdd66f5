import { posix } from 'node:path'
import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { probeSections } from '../modules/lib/probe-script.js'
import { z } from 'zod'
import type { ComposeContainer } from '../modules/lib/compose-cli.js'
import { shellQuote } from '../guest/remote-command.js'
import { apiFilters, apiSaid, engineGets, parseAnswers } from '../modules/lib/docker-api.js'
import { parseDockerJson } from '../modules/lib/docker-json.js'

const ContainersSchema = z.array(z.object({ Names: z.array(z.string()).default([]), Labels: z.record(z.string(), z.string()).nullish(), State: z.string().default('') }))
const NetworksSchema = z.array(z.object({ Name: z.string() }))

type Options = CheckOptions<'compose'>

/**
 * A compose project on a node, found by the labels both compose generations put on what they make
 * (com.docker.compose.project, and .project.working_dir for the folder the student ran it in): its services
 * running and answering over HTTP, or with `down`, nothing of it left. One round trip; the Engine API read
 * with curl, where `docker ps` and `docker network ls` would start the CLI twice.
 */
export const composeCheck: Check<Options> = async ({ lab, options, guest }) => {
  const node = lab.nodes.find((n) => n.name === options.node)!
  const { guest: g } = await guest(node.name)
  const project = options.project ?? projectOfDir(options.dir!)
  const label = options.project !== undefined ? `com.docker.compose.project=${options.project}` : `com.docker.compose.project.working_dir=${options.dir}`
  const url = `http://${node.ip}:${options.port ?? 80}${options.path}`
  const s = await probeSections(g, node.name, {
    engine: engineGets([`/containers/json?all=1&${apiFilters({ label: [label] })}`, `/networks?${apiFilters({ label: [`com.docker.compose.project=${project}`] })}`]),
    http: options.port === undefined || options.down ? 'true' : `curl -s -m 10 -o /dev/null -w '%{http_code}' ${shellQuote(url)}`,
  })
  const what = options.project !== undefined ? `compose project ${options.project}` : `the compose project in ${options.dir}`
  const expected = options.down
    ? `nothing left of ${what} (containers, networks)`
    : `${what} running${options.services ? ` ${options.services.join(', ')}` : ''}${options.port !== undefined ? `, ${url} answering` : ''}`
  const [listed, nets] = parseAnswers(s.engine.out, 2)
  if (!listed!.ok) return [{ on: node.name, passed: false, expected, found: apiSaid(listed!, s.engine.code) }]
  let containers: ComposeContainer[]
  let networks: string[]
  try {
    containers = parseDockerJson(ContainersSchema, listed!.out, 'GET /containers/json', node.name).map((c) => ({
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      service: c.Labels?.['com.docker.compose.service'] ?? '',
      state: c.State,
    }))
    networks = nets!.ok ? parseDockerJson(NetworksSchema, nets!.out, 'GET /networks', node.name).map((n) => n.Name) : []
  } catch (err) {
    return [{ on: node.name, passed: false, expected, found: (err as Error).message.split('\n').pop()! }]
  }
  if (options.down) {
    const left = [...(containers.length ? [`containers ${containers.map((c) => c.name).join(', ')}`] : []), ...(networks.length ? [`networks ${networks.join(', ')}`] : [])]
    return [{ on: node.name, passed: left.length === 0, expected, found: left.length ? `still there: ${left.join('; ')}` : `nothing of ${what}` }]
  }
  if (!containers.length) return [{ on: node.name, passed: false, expected, found: `no container of ${what}` }]
  const services = [...new Set(containers.map((c) => c.service))]
  const wrong = [...(options.services ?? []).filter((sv) => !services.includes(sv)).map((sv) => `no service ${sv}`)]
  for (const sv of services) {
    const mine = containers.filter((c) => c.service === sv)
    if (!mine.some((c) => c.state === 'running')) wrong.push(`${sv} is ${[...new Set(mine.map((c) => c.state))].join('/')}`)
  }
  if (options.port !== undefined) {
    const code = Number(s.http.out.trim())
    if (s.http.code === 127) wrong.push(`curl is not installed on ${node.name}`)
    else if (s.http.code !== 0 || !(code >= 200 && code < 400)) wrong.push(s.http.code !== 0 ? `${url} does not answer` : `${url} answers ${code}`)
  }
  return [{ on: node.name, passed: wrong.length === 0, expected, found: wrong.length ? wrong.join('; ') : `running: ${services.join(', ')}` }]
}

/** The project name compose gives a folder: its base name, lower-cased, without what a project name cannot hold. */
function projectOfDir(dir: string): string {
  return posix
    .basename(dir.replace(/\/+$/, ''))
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
}
