import { apiFilters } from '../../modules/lib/docker-api.js'

/**
 * Section text: what `docker inspect` prints of the running containers that match `filters` (the Engine's
 * `filters`, as `docker ps --filter` takes them), `[]` when none, and curl's or the Engine's words with a
 * failing status when docker does not answer. Read from the Engine API — the list, then each container's
 * inspect, the same JSON the CLI prints — because two docker CLI starts cost seconds under emulation. No
 * `exit`: the script holds other sections.
 */
export function inspectRunning(filters: Record<string, string[]> = {}, socket = '/var/run/docker.sock'): string {
  const api = `curl -sS -g --unix-socket ${socket}`
  const query = Object.keys(filters).length ? `?${apiFilters(filters)}` : ''
  return [
    `if list=$(${api} -f 'http://localhost/containers/json${query}' 2>&1); then`,
    `  printf '['; sep=''`,
    // A container's Id is 64 hex digits: found without a JSON parser on the node.
    `  for id in $(printf '%s' "$list" | grep -o '"Id":"[0-9a-f]\\{64\\}"' | cut -d'"' -f4); do printf '%s' "$sep"; ${api} "http://localhost/containers/$id/json"; sep=','; done`,
    `  printf ']\\n'`,
    `else echo "$list"; false; fi`,
  ].join('\n')
}
