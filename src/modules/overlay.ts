/**
 * The overlay exercise: an attachable overlay network and a busybox service on it whose replicas spread over
 * the nodes; verified by a replica on one node pinging a replica on another node over the overlay, for every
 * node that runs one (a ring, so each node's VXLAN path is used both ways).
 */
import { z } from 'zod'
import type { Guest, Module, ModuleContext } from './module.js'
import type { ModuleOptions } from '../lab/module-options.js'
import type { ResolvedNode } from '../lab/resolve.js'
import { shellQuote } from '../guest/remote-command.js'
import { parseDockerJson } from './lib/docker-json.js'
import { probeSections } from './lib/probe-script.js'
import { must } from './lib/must.js'
import { labNodeByHostname } from './lib/docker-swarm.js'
import { NotYet, waitUntil, type Pace } from './lib/wait-until.js'
import type { ServiceSpec, ServiceState } from './lib/docker-service.js'
import { swarmServiceModule, type SwarmServiceModuleKey } from './lib/swarm-service-module.js'

type Options = ModuleOptions<'overlay'>
type Ctx = ModuleContext<Options>

export interface OverlayTiming {
  converge: Pace
  /** How long the replicas get to reach each other (the overlay's VXLAN peers are learned over gossip). */
  ping: Pace
}

export const OVERLAY_TIMING: OverlayTiming = {
  converge: { timeoutMs: 300_000, pollMs: 2_000 },
  ping: { timeoutMs: 60_000, pollMs: 3_000 },
}

/** busybox's sleep takes seconds only; a task that ends is restarted by swarm, so a day is plenty. */
const SLEEP = ['sleep', '86400']

export function overlaySpec(options: Options): ServiceSpec {
  return {
    name: options.service,
    image: options.image,
    mode: 'replicated',
    replicas: options.replicas,
    ports: [],
    network: options.network,
    command: SLEEP,
    noResolveImage: options.no_resolve_image,
  }
}

const TaskSchema = z.object({
  ID: z.string(),
  Slot: z.number().default(0),
  NodeID: z.string().default(''),
  Status: z.object({
    State: z.string(),
    ContainerStatus: z.object({ ContainerID: z.string().default('') }).optional(),
  }),
  NetworksAttachments: z.array(z.object({ Network: z.object({ Spec: z.object({ Name: z.string() }) }), Addresses: z.array(z.string()).default([]) })).default([]),
})

const NodeSchema = z.object({
  ID: z.string(),
  Description: z.object({ Hostname: z.string() }),
  Status: z.object({ Addr: z.string().default('') }),
})

export interface Replica {
  name: string
  node: ResolvedNode
  container: string
  /** Its address on the overlay network. */
  ip: string
}

/** The running replicas with their node, container and overlay address, read on the manager in one round trip. */
export async function runningReplicas(ctx: Ctx, spec: ServiceSpec): Promise<Replica[]> {
  const name = shellQuote(spec.name)
  const s = await probeSections(ctx.guest, ctx.node.name, {
    tasks: `ids=$(docker service ps -q --no-trunc --filter desired-state=running ${name}) && docker inspect --type task $ids`,
    nodes: 'docker node inspect $(docker node ls -q)',
  })
  if (s.tasks.code !== 0) throw new NotYet(`no running task of ${spec.name} to inspect`)
  const tasks = parseDockerJson(z.array(TaskSchema), s.tasks.out, 'docker inspect (tasks)', ctx.node.name)
  const nodes = s.nodes.code === 0 ? parseDockerJson(z.array(NodeSchema), s.nodes.out, 'docker node inspect', ctx.node.name) : []
  const replicas: Replica[] = []
  for (const task of tasks) {
    if (task.Status.State !== 'running') continue
    const swarmNode = nodes.find((n) => n.ID === task.NodeID)
    const labNode = swarmNode === undefined ? undefined : (labNodeByHostname(ctx.lab, swarmNode.Description.Hostname) ?? ctx.lab.nodes.find((n) => n.ip === swarmNode.Status.Addr))
    const address = task.NetworksAttachments.find((a) => a.Network.Spec.Name === spec.network)?.Addresses[0]
    const container = task.Status.ContainerStatus?.ContainerID ?? ''
    if (labNode === undefined || address === undefined || container === '') continue
    replicas.push({ name: `${spec.name}.${task.Slot}`, node: labNode, container, ip: address.split('/')[0]! })
  }
  return replicas
}

/** One replica per node, each pinging the next node's replica (the last pings the first). */
export function pingRing(replicas: Replica[]): Array<{ from: Replica; to: Replica }> {
  const perNode = new Map<string, Replica>()
  for (const r of replicas) if (!perNode.has(r.node.name)) perNode.set(r.node.name, r)
  const ring = [...perNode.values()]
  if (ring.length < 2) return []
  return ring.map((from, i) => ({ from, to: ring[(i + 1) % ring.length]! }))
}

async function guestOf(ctx: Ctx, node: string): Promise<Guest> {
  return node === ctx.node.name ? ctx.guest : (await ctx.peer(node)).guest
}

async function verifyPings(ctx: Ctx, spec: ServiceSpec, pace: Pace): Promise<void> {
  await waitUntil(
    `${ctx.node.name}: replicas of ${spec.name} on different nodes cannot ping each other over ${spec.network ?? 'the overlay'}`,
    pace,
    async () => {
      const replicas = await runningReplicas(ctx, spec)
      const pairs = pingRing(replicas)
      if (pairs.length === 0) {
        const where = [...new Set(replicas.map((r) => r.node.name))].join(', ') || 'no node'
        throw new NotYet(`its ${replicas.length} running replica(s) are all on ${where}; the test needs two nodes`)
      }
      const tried: string[] = []
      for (const { from, to } of pairs) {
        const guest = await guestOf(ctx, from.node.name)
        const r = await guest.exec(['docker', 'exec', from.container, 'ping', '-c', '1', '-W', '2', to.ip], { sudo: true, timeoutMs: 30_000 })
        const said = (r.stdout + r.stderr).trim().split('\n').slice(-1)[0] ?? ''
        tried.push(`${from.name} on ${from.node.name} → ${to.ip} (${to.name} on ${to.node.name}): ${r.code === 0 ? 'ok' : `failed${said ? `, ${said}` : ''}`}`)
      }
      ctx.log(`ping: ${tried.join('; ')}`)
      if (tried.some((t) => !t.endsWith(': ok'))) throw new NotYet(tried.join('; '))
    },
    'overlay traffic is VXLAN on 4789/udp (and 7946/tcp+udp for gossip) between the nodes: run the firewall module; `docker service update --force` spreads replicas again',
  )
}

interface OverlayState extends ServiceState {
  /** The nodes its running replicas are on (read when the service exists). */
  spread?: string[]
}

export function overlayModule(timing: OverlayTiming = OVERLAY_TIMING): Module<Options, OverlayState, SwarmServiceModuleKey | 'spread'> {
  return swarmServiceModule<Options, OverlayState, 'spread'>({
    name: 'overlay',
    spec: overlaySpec,
    attachable: true,
    converge: timing.converge,

    async probe(ctx, state, spec) {
      if (state.service === undefined) return state
      const replicas = await runningReplicas(ctx, spec).catch(() => undefined)
      return replicas === undefined ? state : { ...state, spread: [...new Set(replicas.map((r) => r.node.name))] }
    },

    plan(ctx, probed, spec, planned) {
      // Swarm never moves running tasks: after a node was down they all stay where they were rescheduled.
      if (planned.length || probed.spread?.length !== 1 || spec.replicas <= 1 || ctx.lab.nodes.length <= 1) return []
      return [{ key: 'spread', what: `spread ${spec.name} over the nodes again (docker service update --force)`, why: `its replicas all run on ${probed.spread[0]}; the ping test needs two nodes` }]
    },

    async apply(ctx, changes, spec) {
      if (changes.some((c) => c.key === 'spread')) await must(ctx.guest, ctx.node.name, ['docker', 'service', 'update', '--detach', '--force', spec.name], { timeoutMs: 300_000 })
    },

    check: (ctx, spec) => verifyPings(ctx, spec, timing.ping),
  })
}

export default overlayModule()
