/**
 * What a check needs to know of one swarm service, read on a manager in one round trip (batched with the
 * other checks' reads): its inspect (spec, previous spec, update status) and its running tasks' nodes.
 */
import { z } from 'zod'
import type { Guest } from '../../modules/module.js'
import { parseDockerJson } from '../../modules/lib/docker-json.js'
import { probeSections } from '../../modules/lib/probe-script.js'
import { shellQuote } from '../../guest/remote-command.js'
import { dockerSaid as said } from './docker-said.js'

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

export async function readService(guest: Guest, node: string, name: string): Promise<ServiceRead> {
  const q = shellQuote(name)
  const s = await probeSections(guest, node, {
    service: `docker service inspect ${q} 2>&1`,
    tasks: `docker service ps ${q} --filter desired-state=running --format '{{.Node}} {{.CurrentState}}' 2>&1`,
  })
  if (s.service.code !== 0) {
    const why = said(s.service.out)
    if (/no such service/i.test(why)) return { running: [] }
    return { running: [], error: why }
  }
  const service = parseDockerJson(z.array(ServiceSchema), s.service.out, 'docker service inspect', node)[0]
  const running =
    s.tasks.code === 0
      ? s.tasks.out
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter(([host, state]) => host && state === 'Running')
          .map(([host]) => host!)
      : []
  return { ...(service ? { service } : {}), running }
}

export const serviceMode = (s: CheckedService): 'replicated' | 'global' => (s.Spec.Mode.Global !== undefined ? 'global' : 'replicated')
