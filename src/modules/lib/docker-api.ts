/**
 * Reads of the Docker Engine API over the daemon's socket with curl: a few milliseconds, where each docker
 * CLI call starts a large Go binary (1–2 s under software emulation, much more on a busy host). Where curl is
 * missing the same JSON comes from the CLI (`docker info --format '{{json .}}'` and `inspect` print the API's
 * objects), so parsers see one shape either way. Every read exits non-zero when the daemon does not answer.
 */
import { z } from 'zod'
import { LabError } from '../../util/errors.js'
import { parseDockerJson } from './docker-json.js'

function apiRead(path: string, cli: string): string {
  return `if command -v curl >/dev/null 2>&1; then curl -sSf --unix-socket /var/run/docker.sock 'http://localhost${path}'; else ${cli}; fi`
}

/** GET /info: the daemon's info, with `.Swarm` and `.RegistryConfig`. */
export const DOCKER_INFO = apiRead('/info', "docker info --format '{{json .}}'")
/** GET /nodes: fails (HTTP 503) unless the node is a swarm manager. */
export const DOCKER_NODES = apiRead('/nodes', 'ids=$(docker node ls -q) && docker node inspect $ids')
/** GET /images/json: the images with their tags. */
export const DOCKER_IMAGES = apiRead('/images/json', 'ids=$(docker image ls -q) && if [ -n "$ids" ]; then docker image inspect $ids; else echo "[]"; fi')

/** The daemon does not answer: what the read said, and what to do. */
export function dockerDown(node: string, code: number, said: string, hint = 'run the docker module first; `systemctl status docker` on the node tells why the daemon is down'): LabError {
  return new LabError(`${node}: docker does not answer (reading its info exited with ${code}): ${said.trim().split('\n').slice(-1)[0] || 'no output'}`, { hint })
}

const ImagesSchema = z.array(z.object({ RepoTags: z.array(z.string()).nullable().default(null) }))

/** The `repository:tag` names of the node's images. */
export function parseImageTags(out: string, node: string): string[] {
  return parseDockerJson(ImagesSchema, out, 'the docker image list', node).flatMap((i) => i.RepoTags ?? [])
}
