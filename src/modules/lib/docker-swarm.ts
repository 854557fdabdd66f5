/**
 * Swarm state as docker reports it (`docker info --format '{{json .Swarm}}'`, `docker node ls --format
 * '{{json .}}'`), read in one round trip, and the mapping from swarm nodes back to lab nodes.
 */
import { z } from 'zod'
import type { Guest } from '../module.js'
import type { ResolvedLab, ResolvedNode } from '../../lab/resolve.js'
import { moduleTargets } from '../../lab/targets.js'
import { LabError } from '../../util/errors.js'
import { parseDockerJson, parseDockerJsonLines } from './docker-json.js'
import { probeSections } from './probe-script.js'

export const SwarmInfoSchema = z.object({
  NodeID: z.string().default(''),
  NodeAddr: z.string().default(''),
  /** inactive, pending, active, error or locked. */
  LocalNodeState: z.string(),
  ControlAvailable: z.boolean().default(false),
  Error: z.string().default(''),
  RemoteManagers: z.array(z.object({ NodeID: z.string(), Addr: z.string() })).nullable().default(null),
  /** Managers only. */
  Cluster: z.object({ ID: z.string(), DataPathPort: z.number().optional() }).optional(),
})
export type SwarmInfo = z.output<typeof SwarmInfoSchema>

export const NodeEntrySchema = z.object({
  ID: z.string(),
  Hostname: z.string(),
  /** Ready, Down, Unknown or Disconnected. */
  Status: z.string(),
  Availability: z.string().default(''),
  /** Leader, Reachable, Unreachable, or empty for a worker. */
  ManagerStatus: z.string().default(''),
  Self: z.boolean().default(false),
})
export type NodeEntry = z.output<typeof NodeEntrySchema>

export interface SwarmState {
  info: SwarmInfo
  /** `docker node ls` as this node sees it: empty unless it is a manager that can reach its swarm. */
  nodes: NodeEntry[]
}

export const SWARM_INFO = ['docker', 'info', '--format', '{{json .Swarm}}']
export const NODE_LS = ['docker', 'node', 'ls', '--format', '{{json .}}']

/** Reads a node's swarm state in one round trip (node ls only answers on a manager; elsewhere it is empty). */
export async function readSwarm(guest: Guest, node: string): Promise<SwarmState> {
  const s = await probeSections(guest, node, { swarm: SWARM_INFO, nodes: NODE_LS })
  if (s.swarm.code !== 0) {
    throw new LabError(`${node}: docker does not answer (\`docker info\` exited with ${s.swarm.code}): ${s.swarm.out.trim() || 'no output'}`, {
      hint: 'run the docker module first; `systemctl status docker` on the node tells why the daemon is down',
    })
  }
  const info = parseDockerJson(SwarmInfoSchema, s.swarm.out, 'docker info', node)
  const nodes = s.nodes.code === 0 ? parseDockerJsonLines(NodeEntrySchema, s.nodes.out, 'docker node ls', node) : []
  return { info, nodes }
}

/** `ip:2377`, how managers appear in RemoteManagers and what workers join. */
export function managerAddr(ip: string): string {
  return `${ip}:2377`
}

/** The lab node a swarm hostname belongs to: its FQDN, its name, or a short hostname equal to its name. */
export function labNodeByHostname(lab: ResolvedLab, hostname: string): ResolvedNode | undefined {
  const h = hostname.toLowerCase()
  return lab.nodes.find((n) => n.fqdn.toLowerCase() === h || n.name.toLowerCase() === h || h.split('.')[0] === n.name.toLowerCase())
}

/** Down workers whose hostname also has an entry that is not Down: left behind by a leave and rejoin. */
export function staleEntries(nodes: NodeEntry[]): NodeEntry[] {
  return nodes.filter(
    (n) => n.Status === 'Down' && n.ManagerStatus === '' && nodes.some((o) => o.ID !== n.ID && o.Hostname === n.Hostname && o.Status !== 'Down'),
  )
}

/** The lab nodes in the swarm (the swarm module's targets), or every node when the lab has no swarm step. */
export function swarmMembers(lab: ResolvedLab): ResolvedNode[] {
  const step = lab.modules.find((m) => m.module === 'swarm')
  if (step === undefined) return lab.nodes
  const names = new Set(moduleTargets(lab, step).map((t) => t.node))
  return lab.nodes.filter((n) => names.has(n.name))
}
