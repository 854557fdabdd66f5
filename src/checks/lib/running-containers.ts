/**
 * Section text: `docker inspect` of the running containers (`filter`: docker ps flags), `[]` when none, and
 * docker's own error with a failing status when it does not answer (no `exit`: the script holds other sections).
 */
export function inspectRunning(filter: string): string {
  return `if ids=$(docker ps -q ${filter} 2>&1); then if [ -n "$ids" ]; then docker inspect $ids 2>&1; else echo '[]'; fi; else echo "$ids"; false; fi`
}
