/** An image reference split the way Docker reads it: `nginx` is `registry-1.docker.io/library/nginx:latest`. */
import { InputError } from '../util/errors.js'

export interface ImageRef {
  /** Host (and port) of the registry's HTTP API. */
  registry: string
  repository: string
  /** A tag, or a digest (`sha256:…`). */
  reference: string
  /** How the lab wrote it, for messages. */
  text: string
}

export const DOCKER_HUB = 'registry-1.docker.io'

export function parseImageRef(text: string): ImageRef {
  let rest = text
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new InputError(`image ${text}: the digest is not sha256:<64 hex digits>`)
  }
  const slash = rest.indexOf('/')
  const first = slash < 0 ? '' : rest.slice(0, slash)
  // Docker's rule: the first part is a registry when it has a dot or a port, or is localhost.
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')
  let registry = hasRegistry ? first : DOCKER_HUB
  let path = hasRegistry ? rest.slice(slash + 1) : rest
  if (registry === 'docker.io' || registry === 'index.docker.io') registry = DOCKER_HUB
  let tag = 'latest'
  const colon = path.lastIndexOf(':')
  if (colon >= 0) {
    tag = path.slice(colon + 1)
    path = path.slice(0, colon)
  }
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`
  if (!/^[a-z0-9]+([._/-][a-z0-9]+)*$/.test(path)) throw new InputError(`image ${text}: "${path}" is not a repository name (lower-case path parts)`)
  return { registry, repository: path, reference: digest ?? tag, text }
}

/** The name `docker images` shows for it, which `docker load` restores: `busybox:latest`, `host:5000/web:v1`. */
export function dockerName(ref: ImageRef): string {
  const repo = ref.registry === DOCKER_HUB ? ref.repository.replace(/^library\//, '') : `${ref.registry}/${ref.repository}`
  return ref.reference.startsWith('sha256:') ? `${repo}@${ref.reference}` : `${repo}:${ref.reference}`
}

/** The full name containerd and skopeo record in an OCI index (`docker.io/library/busybox:latest`). */
export function fullName(ref: ImageRef): string {
  const host = ref.registry === DOCKER_HUB ? 'docker.io' : ref.registry
  return ref.reference.startsWith('sha256:') ? `${host}/${ref.repository}@${ref.reference}` : `${host}/${ref.repository}:${ref.reference}`
}
