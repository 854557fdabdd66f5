import { posix } from 'node:path'
import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { probeSections } from '../modules/lib/probe-script.js'
import { parseComposePs, type ComposeContainer } from '../modules/lib/compose-cli.js'
import { shellQuote } from '../guest/remote-command.js'

type Options = CheckOptions<'compose'>

/**
 * A compose project on a node, found by the labels both compose generations put on what they make
 * (com.docker.compose.project, and .project.working_dir for the folder the student ran it in): its services
 * running and answering over HTTP, or with `down`, nothing of it left. One round trip.
 */
export const composeCheck: Check<Options> = async ({ lab, options, guest }) => {
  const node = lab.nodes.find((n) => n.name === options.node)!
  const { guest: g } = await guest(node.name)
  const project = options.project ?? projectOfDir(options.dir!)
  const label = options.project !== undefined ? `com.docker.compose.project=${options.project}` : `com.docker.compose.project.working_dir=${options.dir}`
  const url = `http://${node.ip}:${options.port ?? 80}${options.path}`
  const s = await probeSections(g, node.name, {
    containers: `docker ps -a --filter ${shellQuote(`label=${label}`)} --format '{{json .}}' 2>&1`,
    networks: `docker network ls --filter ${shellQuote(`label=com.docker.compose.project=${project}`)} --format '{{.Name}}' 2>&1`,
    http: options.port === undefined || options.down ? 'true' : `curl -s -m 10 -o /dev/null -w '%{http_code}' ${shellQuote(url)}`,
  })
  const what = options.project !== undefined ? `compose project ${options.project}` : `the compose project in ${options.dir}`
  const expected = options.down
    ? `nothing left of ${what} (containers, networks)`
    : `${what} running${options.services ? ` ${options.services.join(', ')}` : ''}${options.port !== undefined ? `, ${url} answering` : ''}`
  let containers: ComposeContainer[]
  try {
    containers = parseComposePs('v1', s.containers.out, s.containers.code, node.name)
  } catch (err) {
    return [{ on: node.name, passed: false, expected, found: (err as Error).message.split('\n').pop()! }]
  }
  const networks =
    s.networks.code === 0
      ? s.networks.out
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
      : []
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
