import { z } from 'zod'
import type { Check, CheckOutcome } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { probeSections } from '../modules/lib/probe-script.js'
import { readEngine } from '../modules/lib/docker-api.js'
import { parseDockerJson } from '../modules/lib/docker-json.js'
import { parseInspect, REGISTRY_DATA, type RegistryContainer } from '../modules/lib/registry-state.js'
import { inspectRunning } from './lib/running-containers.js'

type Options = CheckOptions<'registry'>

const ImagesSchema = z.array(z.object({ RepoTags: z.array(z.string()).nullish(), RepoDigests: z.array(z.string()).nullish() }))

/**
 * The registry answers /v2/ (and lists the repository when one is named); asked for, the container that
 * publishes its port restarts always and keeps its data in a volume, and another node holds an image pulled
 * from it (its tags or digests name this registry's host:port, by address or by name).
 */
export const registryCheck: Check<Options> = async ({ lab, options, guest }) => {
  const node = lab.nodes.find((n) => n.name === options.node)!
  const { guest: g } = await guest(node.name)
  const url = `http://${node.ip}:${options.port}/v2/_catalog`
  const container = options.restart !== undefined || options.volume !== undefined
  // Asked of the other node at the same moment, so that it goes out with that node's other reads.
  const pulled = options.pulled_on !== undefined ? pulledRow(lab, options, guest) : undefined
  const s = await probeSections(g, node.name, {
    catalog: ['curl', '-sf', '-m', '10', url],
    container: container ? inspectRunning({ publish: [String(options.port)] }) : 'true',
  })
  let repos: string[] = []
  try {
    repos = (JSON.parse(s.catalog.out) as { repositories?: string[] }).repositories ?? []
  } catch {
    // not JSON: reported below
  }
  const rows: CheckOutcome[] = [
    {
      on: node.name,
      passed: s.catalog.code === 0 && (options.repository === undefined || repos.includes(options.repository)),
      expected: options.repository ? `${url} lists ${options.repository}` : `${url} answers`,
      found: s.catalog.code !== 0 ? `no answer (curl exit ${s.catalog.code})` : `repositories: ${repos.join(', ') || 'none'}`,
    },
  ]
  if (container) rows.push(containerRow(s.container.out, s.container.code, node.name, options))
  if (pulled) rows.push(await pulled)
  return rows
}

function containerRow(out: string, code: number, node: string, o: Options): CheckOutcome {
  const expected = [`the container publishing port ${o.port}`, ...(o.restart ? [`restart policy ${o.restart}`] : []), ...(o.volume ? [`${REGISTRY_DATA} in a volume or bind mount`] : [])].join(', ')
  let c: RegistryContainer | undefined
  try {
    c = parseInspect(out, code, out, node)
  } catch (err) {
    return { on: node, passed: false, expected, found: (err as Error).message.split('\n')[0]! }
  }
  if (!c) return { on: node, passed: false, expected, found: `no running container publishes port ${o.port}` }
  const wrong: string[] = []
  const policy = c.HostConfig.RestartPolicy?.Name || 'no'
  if (o.restart && policy !== o.restart) wrong.push(`restart policy ${policy}`)
  const data = (c.Mounts ?? []).find((m) => m.Destination === REGISTRY_DATA)
  if (o.volume && !data) wrong.push(`nothing mounted at ${REGISTRY_DATA}`)
  const mount = data ? (data.Type === 'bind' ? `bind ${data.Source}` : `volume ${data.Name ?? data.Source}`) : 'no data mount'
  return { on: node, passed: wrong.length === 0, expected, found: wrong.length ? wrong.join('; ') : `restart ${policy}, ${mount}` }
}

async function pulledRow(lab: Parameters<Check<Options>>[0]['lab'], o: Options, guest: Parameters<Check<Options>>[0]['guest']): Promise<CheckOutcome> {
  const registry = lab.nodes.find((n) => n.name === o.node)!
  const on = o.pulled_on!
  const prefixes = [registry.ip, registry.name, registry.fqdn, ...(on === registry.name ? ['localhost', '127.0.0.1'] : [])].map((h) => `${h}:${o.port}/`)
  const expected = `an image from ${registry.name}:${o.port}${o.repository ? ` (${o.repository})` : ''} on ${on}`
  let refs: string[]
  try {
    const { guest: g } = await guest(on)
    const state = await readEngine(g, on)
    refs = parseDockerJson(ImagesSchema, state.images.out, 'the docker image list', on).flatMap((i) => [...(i.RepoTags ?? []), ...(i.RepoDigests ?? [])])
  } catch (err) {
    return { on, passed: false, expected, found: (err as Error).message.split('\n')[0]! }
  }
  const fromIt = refs.filter((r) => prefixes.some((p) => r.startsWith(p)))
  const hit = fromIt.filter((r) => {
    if (o.repository === undefined) return true
    const repo = r.slice(r.indexOf('/') + 1).split(/[:@]/)[0]
    return repo === o.repository
  })
  return {
    on,
    passed: hit.length > 0,
    expected,
    found: hit.length ? [...new Set(hit)].join(', ') : fromIt.length ? `only ${[...new Set(fromIt)].join(', ')}` : `no image from ${registry.name}:${o.port}`,
  }
}
