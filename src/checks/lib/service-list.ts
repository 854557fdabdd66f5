/** GET /services?status=true as the checks read it: each service's name, mode, image and task counts. */
import { z } from 'zod'
import { parseDockerJson } from '../../modules/lib/docker-json.js'

const ListSchema = z.array(
  z.object({
    Spec: z.object({
      Name: z.string(),
      Mode: z.object({ Global: z.object({}).optional() }).default({}),
      TaskTemplate: z.object({ ContainerSpec: z.object({ Image: z.string().default('') }).default({ Image: '' }) }).default({ ContainerSpec: { Image: '' } }),
    }),
    // Since API 1.41 (Docker 20.10): the daemon's own count, as `docker service ls` shows it.
    ServiceStatus: z.object({ RunningTasks: z.number(), DesiredTasks: z.number() }).optional(),
  }),
)

export interface ListedService {
  name: string
  mode: 'global' | 'replicated'
  image: string
  running: number
  desired: number
  /** As `docker service ls` prints it: running/desired. */
  replicas: string
}

export function listedServices(out: string, node: string): ListedService[] {
  return parseDockerJson(ListSchema, out, 'GET /services', node).map((s) => {
    const running = s.ServiceStatus?.RunningTasks ?? 0
    const desired = s.ServiceStatus?.DesiredTasks ?? 0
    return {
      name: s.Spec.Name,
      mode: s.Spec.Mode.Global !== undefined ? 'global' : 'replicated',
      image: s.Spec.TaskTemplate.ContainerSpec.Image,
      running,
      desired,
      replicas: s.ServiceStatus ? `${running}/${desired}` : '?/? (Docker older than 20.10 does not count them)',
    }
  })
}
