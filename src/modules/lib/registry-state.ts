/**
 * What the registry module reads from docker: the `registry` container (`docker container inspect`) and
 * which registries the daemon treats as insecure (`docker info --format '{{json .RegistryConfig}}'`).
 */
import { z } from 'zod'
import { netmask, parseIPv4 } from '../../lab/net.js'
import { LabError } from '../../util/errors.js'
import { parseDockerJson } from './docker-json.js'

const ContainerSchema = z.object({
  State: z.object({ Status: z.string(), Running: z.boolean() }),
  HostConfig: z.object({
    RestartPolicy: z.object({ Name: z.string() }).nullable().default(null),
    PortBindings: z
      .record(z.string(), z.array(z.object({ HostIp: z.string().default(''), HostPort: z.string() })).nullable())
      .nullable()
      .default(null),
  }),
  Mounts: z
    .array(z.object({ Type: z.string(), Name: z.string().optional(), Source: z.string().default(''), Destination: z.string() }))
    .nullable()
    .default(null),
  Config: z.object({ Image: z.string() }),
})
export type RegistryContainer = z.output<typeof ContainerSchema>

export interface WantedRegistry {
  port: number
  /** A named volume, or an absolute path for a bind mount. */
  volume: string
  image: string
}

export const REGISTRY_DATA = '/var/lib/registry'

/** Exit status and stderr of `docker container inspect`: a missing container is not an error. */
export function parseInspect(out: string, code: number, stderr: string, node: string): RegistryContainer | undefined {
  if (code !== 0) {
    if (/No such (container|object)/i.test(stderr)) return undefined
    throw dockerUnusable(node, 'docker container inspect registry', code, stderr)
  }
  const list = parseDockerJson(z.array(ContainerSchema), out, 'docker container inspect registry', node)
  return list[0]
}

/** What differs between the container and the lab's wish, one phrase each (empty: it is the wanted one). */
export function registryDifferences(c: RegistryContainer, want: WantedRegistry): string[] {
  const found: string[] = []
  if (c.Config.Image !== want.image) found.push(`its image is ${c.Config.Image}, the lab wants ${want.image}`)
  const bindings = c.HostConfig.PortBindings?.['5000/tcp'] ?? []
  if (!bindings.some((b) => b.HostPort === String(want.port))) {
    const ports = bindings.map((b) => b.HostPort).join(', ')
    found.push(`it publishes ${ports ? `port ${ports}` : 'no port'}, the lab wants ${want.port}`)
  }
  const restart = c.HostConfig.RestartPolicy?.Name || 'no'
  if (restart !== 'always') found.push(`its restart policy is ${restart}, the lab wants always`)
  const mount = (c.Mounts ?? []).find((m) => m.Destination === REGISTRY_DATA)
  const bind = want.volume.startsWith('/')
  const same = mount !== undefined && (bind ? mount.Type === 'bind' && mount.Source === want.volume : mount.Type === 'volume' && mount.Name === want.volume)
  if (!same) {
    const has = mount === undefined ? 'nothing' : mount.Type === 'volume' ? `volume ${mount.Name ?? '?'}` : `${mount.Type} ${mount.Source}`
    found.push(`${REGISTRY_DATA} is ${has}, the lab wants ${bind ? '' : 'volume '}${want.volume}`)
  }
  return found
}

const RegistryConfigSchema = z.object({
  InsecureRegistryCIDRs: z.array(z.string()).nullable().default(null),
  IndexConfigs: z
    .record(z.string(), z.object({ Name: z.string(), Secure: z.boolean() }))
    .nullable()
    .default(null),
})
export type RegistryConfig = z.output<typeof RegistryConfigSchema>

export function parseRegistryConfig(out: string, code: number, stderr: string, node: string): RegistryConfig {
  if (code !== 0) throw dockerUnusable(node, "docker info --format '{{json .RegistryConfig}}'", code, stderr)
  return parseDockerJson(RegistryConfigSchema, out.trim(), "docker info --format '{{json .RegistryConfig}}'", node)
}

/**
 * Whether the daemon talks plain HTTP to `name` (host:port), the way dockerd decides it: listed by name
 * with Secure false, or an address (`ip`, what the name resolves to) inside one of the insecure CIDRs.
 */
export function isInsecure(config: RegistryConfig, name: string, ip: string): boolean {
  const entry = config.IndexConfigs?.[name] ?? config.IndexConfigs?.[name.toLowerCase()]
  if (entry !== undefined) return !entry.Secure
  const addr = parseIPv4(ip)
  if (addr === undefined) return false
  return (config.InsecureRegistryCIDRs ?? []).some((cidr) => {
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(cidr)
    const net = m ? parseIPv4(m[1]!) : undefined
    const prefix = m ? Number(m[2]) : NaN
    if (net === undefined || !(prefix >= 0 && prefix <= 32)) return false
    return (addr & netmask(prefix)) >>> 0 === (net & netmask(prefix)) >>> 0
  })
}

function dockerUnusable(node: string, what: string, code: number, stderr: string): LabError {
  const said = stderr.trim().split('\n').slice(-3).join('\n')
  return new LabError(`${node}: \`${what}\` exited with ${code}${said ? `: ${said}` : ''}`, {
    hint: code === 127 ? `docker is not installed on ${node}: run the docker module before the registry` : `docker must be running on ${node}: run the docker module first`,
  })
}
