/**
 * What a check needs to know of one swarm service, read on a manager from the Engine API in one curl (batched
 * with the other checks' reads): the service (spec, previous spec, update status), its running tasks and the
 * swarm's nodes, to name the tasks' hosts.
 */
import { z } from 'zod'
import type { Guest } from '../../modules/module.js'
import { parseDockerJson } from '../../modules/lib/docker-json.js'
import { probeSections } from '../../modules/lib/probe-script.js'
import { apiFilters, apiSaid, engineGets, parseAnswers, type ApiAnswer } from '../../modules/lib/docker-api.js'

const PortSchema = z.object({
  Protocol: z.string().default('tcp'),
  TargetPort: z.number(),
  PublishedPort: z.number().default(0),
  PublishMode: z.string().default('ingress'),
})

const SpecSchema = z.object({
  Name: z.string(),
  TaskTemplate: z.object({
    ContainerSpec: z.object({
      Image: z.string(),
      Env: z.array(z.string()).nullish(),
      Mounts: z.array(z.object({ Type: z.string().default('volume'), Source: z.string().default(''), Target: z.string() })).nullish(),
    }),
  }),
  Mode: z.object({ Replicated: z.object({ Replicas: z.number().default(1) }).optional(), Global: z.object({}).optional() }).default({}),
  EndpointSpec: z.object({ Ports: z.array(PortSchema).nullish() }).optional(),
})

const ServiceSchema = z.object({
  ID: z.string(),
  Spec: SpecSchema,
  PreviousSpec: SpecSchema.optional(),
  UpdateStatus: z.object({ State: z.string().default('') }).optional(),
})
export type CheckedService = z.output<typeof ServiceSchema>

export interface ServiceRead {
  /** Undefined when the manager knows no such service. */
  service?: CheckedService
  /** Hostnames of the nodes with a running task, one entry per task. */
  running: string[]
  /** Why the manager could not be asked (not a manager, docker down), or undefined. */
  error?: string
}

const TasksSchema = z.array(z.object({ NodeID: z.string().default(''), Status: z.object({ State: z.string() }) }))
const NodesSchema = z.array(z.object({ ID: z.string(), Description: z.object({ Hostname: z.string() }) }))

export async function readService(guest: Guest, node: string, name: string): Promise<ServiceRead> {
  const paths = [`/services/${encodeURIComponent(name)}`, `/tasks?${apiFilters({ service: [name], 'desired-state': ['running'] })}`, '/nodes']
  const { service: read } = await probeSections(guest, node, { service: engineGets(paths) })
  const [service, tasks, nodes] = parseAnswers(read.out, paths.length) as [ApiAnswer, ApiAnswer, ApiAnswer]
  if (!service.ok) return service.status === 404 ? { running: [] } : { running: [], error: apiSaid(service, read.code) }
  const spec = parseDockerJson(ServiceSchema, service.out, `GET /services/${name}`, node)
  const hostOf = new Map(nodes.ok ? parseDockerJson(NodesSchema, nodes.out, 'GET /nodes', node).map((n) => [n.ID, n.Description.Hostname]) : [])
  const running = tasks.ok
    ? parseDockerJson(TasksSchema, tasks.out, 'GET /tasks', node)
        .filter((t) => t.Status.State === 'running')
        .map((t) => hostOf.get(t.NodeID) ?? t.NodeID)
    : []
  return { service: spec, running }
}

export const serviceMode = (s: CheckedService): 'replicated' | 'global' => (s.Spec.Mode.Global !== undefined ? 'global' : 'replicated')
