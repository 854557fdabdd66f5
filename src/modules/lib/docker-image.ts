/** Image references compared the way docker resolves them: `nginx`, `nginx:latest` and `docker.io/library/nginx:latest` are one image. */

/** The reference without digest, registry default and implied tag: `docker.io/library/nginx` → `nginx:latest`. */
export function normalizeImage(ref: string): string {
  let name = ref.split('@')[0]!
  if (name.startsWith('docker.io/')) name = name.slice('docker.io/'.length)
  if (name.startsWith('library/')) name = name.slice('library/'.length)
  const last = name.slice(name.lastIndexOf('/') + 1)
  return last.includes(':') ? name : `${name}:latest`
}

/**
 * Whether a service runs `wanted`. A service created with digest resolution records `nginx:latest@sha256:…`;
 * that is the wanted image unless the lab pins another digest.
 */
export function sameImage(running: string, wanted: string): boolean {
  const digest = (ref: string): string | undefined => ref.split('@')[1]
  if (digest(wanted) !== undefined && digest(wanted) !== digest(running)) return false
  return normalizeImage(running) === normalizeImage(wanted)
}
