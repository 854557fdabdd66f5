/**
 * A swarm service on the first manager (`docker service create --name web --replicas 5 --publish
 * published=8080,target=80 nginx`), changed in place when the lab changes: scale, update the image, publish
 * ports. Verified by N/N running and by an HTTP answer on the published port of every swarm node (the routing
 * mesh answers on all of them, whether or not they run a replica).
 */
import type { Module, ModuleContext } from './module.js'
import type { ModuleOptions } from '../lab/module-options.js'
import { swarmMembers } from './lib/docker-swarm.js'
import { answered, httpStatuses } from './lib/docker-http.js'
import { NotYet, waitUntil, type Pace } from './lib/wait-until.js'
import { parsePublish, type ServiceSpec, type ServiceState } from './lib/docker-service.js'
import { swarmServiceModule, type SwarmServiceModuleKey } from './lib/swarm-service-module.js'

type Options = ModuleOptions<'service'>
type Ctx = ModuleContext<Options>

export interface ServiceTiming {
  /** How long the replicas get to run (image pulls included). */
  converge: Pace
  /** How long the routing mesh gets to answer on every node. */
  mesh: Pace
}

export const SERVICE_TIMING: ServiceTiming = {
  converge: { timeoutMs: 300_000, pollMs: 2_000 },
  mesh: { timeoutMs: 60_000, pollMs: 2_000 },
}

export function serviceSpec(options: Options): ServiceSpec {
  const publish = options.publish === undefined ? [] : Array.isArray(options.publish) ? options.publish : [options.publish]
  const command = options.command === undefined ? undefined : Array.isArray(options.command) ? options.command : options.command.trim().split(/\s+/)
  return {
    name: options.name,
    image: options.image,
    mode: options.mode,
    replicas: options.replicas,
    ports: publish.map(parsePublish),
    ...(options.network === undefined ? {} : { network: options.network }),
    ...(command === undefined ? {} : { command }),
    noResolveImage: options.no_resolve_image,
  }
}

async function verifyMesh(ctx: Ctx, spec: ServiceSpec, pace: Pace): Promise<void> {
  const ports = spec.ports.filter((p) => p.protocol === 'tcp')
  if (ports.length === 0) return
  const targets = swarmMembers(ctx.lab).flatMap((n) => ports.map((p) => ({ host: n.ip, port: p.published, node: n.name })))
  await waitUntil(
    `${ctx.node.name}: the routing mesh does not answer for ${spec.name}`,
    pace,
    async () => {
      const statuses = await httpStatuses(ctx.guest, targets)
      const failed = targets.map((t) => ({ ...t, status: statuses.get(`${t.host}:${t.port}`) ?? 0 })).filter((t) => !answered(t.status))
      if (failed.length) {
        throw new NotYet(failed.map((t) => `http://${t.host}:${t.port}/ (${t.node}) ${t.status ? `answered ${t.status}` : 'did not answer'}`).join('; '))
      }
    },
    'the swarm ports (7946/tcp+udp, 4789/udp) must be open between the nodes for the mesh to forward: run the firewall module',
  )
}

export function serviceModule(timing: ServiceTiming = SERVICE_TIMING): Module<Options, ServiceState, SwarmServiceModuleKey> {
  return swarmServiceModule<Options>({
    name: 'service',
    spec: serviceSpec,
    attachable: false,
    converge: timing.converge,
    check: (ctx, spec) => verifyMesh(ctx, spec, timing.mesh),
  })
}

export default serviceModule()
