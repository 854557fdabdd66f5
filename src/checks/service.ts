import type { Check, CheckOutcome } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { firstManager } from '../lab/targets.js'
import { normalizeImage, sameImage } from '../modules/lib/docker-image.js'
import { parsePublish } from '../modules/lib/docker-service.js'
import { readService, serviceMode, type CheckedService } from './lib/service-read.js'

type Options = CheckOptions<'service'>

/**
 * A swarm service as the task asks for it, whichever commands made it so (one `service create` with every
 * option, or create then scale then update): read from the manager's inspect and its running tasks.
 * Each asked-for property is one clause of `expected`; `found` names what differs.
 */
export const serviceCheck: Check<Options> = async ({ lab, options, guest }) => {
  const manager = firstManager(lab)
  const { guest: g } = await guest(manager)
  const read = await readService(g, manager, options.name)
  const expected = expectation(options)
  if (read.error !== undefined) return [{ on: manager, passed: false, expected, found: read.error }]
  if (options.absent) {
    return [{ on: manager, passed: read.service === undefined, expected, found: read.service ? `service ${options.name} still exists` : `no service ${options.name}` }]
  }
  if (read.service === undefined) return [{ on: manager, passed: false, expected, found: `no service ${options.name}` }]
  const wrong = differences(read.service, read.running, options)
  return [{ on: manager, passed: wrong.length === 0, expected, found: wrong.length ? wrong.join('; ') : describe(read.service, read.running) } satisfies CheckOutcome]
}

function expectation(o: Options): string {
  if (o.absent) return `no service ${o.name}`
  const parts = [`service ${o.name}${o.replicas === undefined ? '' : ` ${o.replicas}/${o.replicas}`}`]
  if (o.mode) parts.push(`mode ${o.mode}`)
  if (o.image) parts.push(`image ${o.image}`)
  if (o.publish) parts.push(`port ${o.publish} published (ingress)`)
  if (o.spread) parts.push(`running on ${o.spread} nodes or more`)
  for (const [k, v] of Object.entries(o.env ?? {})) parts.push(`env ${k}=${v}`)
  for (const m of o.mounts ?? []) parts.push(`mount at ${m.target}${m.source ? ` from ${m.source}` : ''}`)
  if (o.rolled_back) parts.push('rolled back to its previous version')
  return parts.join(', ')
}

function wantedReplicas(s: CheckedService, running: string[]): number {
  return serviceMode(s) === 'global' ? Math.max(running.length, 1) : (s.Spec.Mode.Replicated?.Replicas ?? 1)
}

function differences(s: CheckedService, running: string[], o: Options): string[] {
  const wrong: string[] = []
  const spec = s.Spec
  const wanted = wantedReplicas(s, running)
  if (o.replicas !== undefined && (running.length !== o.replicas || wanted !== o.replicas)) {
    wrong.push(`${spec.Name} ${running.length}/${wanted}`)
  }
  if (o.mode && serviceMode(s) !== o.mode) wrong.push(`mode ${serviceMode(s)}`)
  const image = spec.TaskTemplate.ContainerSpec.Image
  if (o.image && !sameImage(image, o.image)) wrong.push(`image ${normalizeImage(image)}`)
  if (o.publish) {
    const p = parsePublish(o.publish)
    const ports = spec.EndpointSpec?.Ports ?? []
    const hit = ports.find((q) => q.PublishedPort === p.published && q.Protocol === p.protocol)
    if (!hit) wrong.push(ports.length ? `published ports ${ports.map(portText).join(', ')}` : 'no published port')
    else if (hit.TargetPort !== p.target || hit.PublishMode !== 'ingress') wrong.push(`port ${portText(hit)}`)
  }
  const nodes = new Set(running)
  if (o.spread && nodes.size < o.spread) wrong.push(`running on ${nodes.size} node${nodes.size === 1 ? '' : 's'} (${[...nodes].join(', ') || 'none'})`)
  const env = new Map(
    (spec.TaskTemplate.ContainerSpec.Env ?? []).map((e) => {
      const eq = e.indexOf('=')
      return eq < 0 ? [e, ''] : [e.slice(0, eq), e.slice(eq + 1)]
    }),
  )
  for (const [k, v] of Object.entries(o.env ?? {})) {
    if (!env.has(k)) wrong.push(`no env ${k}`)
    else if (env.get(k) !== v) wrong.push(`env ${k}=${env.get(k)}`)
  }
  const mounts = spec.TaskTemplate.ContainerSpec.Mounts ?? []
  for (const m of o.mounts ?? []) {
    const hit = mounts.find((x) => x.Target === m.target)
    if (!hit) wrong.push(`nothing mounted at ${m.target}`)
    else if (m.source !== undefined && hit.Source !== m.source) wrong.push(`${m.target} mounted from ${hit.Source || 'an anonymous volume'}`)
  }
  if (o.rolled_back && s.UpdateStatus?.State !== 'rollback_completed') {
    wrong.push(s.UpdateStatus?.State ? `its last update is ${s.UpdateStatus.State.replace(/_/g, ' ')}, not a completed rollback` : 'never rolled back')
  }
  return wrong
}

const portText = (p: { PublishedPort: number; TargetPort: number; Protocol: string; PublishMode: string }) =>
  `${p.PublishedPort}:${p.TargetPort}${p.Protocol === 'udp' ? '/udp' : ''}${p.PublishMode === 'host' ? ' (host mode)' : ''}`

function describe(s: CheckedService, running: string[]): string {
  const wanted = wantedReplicas(s, running)
  return `${s.Spec.Name} ${running.length}/${wanted}`
}
