/**
 * virsh's own error lines, read into what the provider decides on. virsh prints one or two `error:` lines: its
 * own ("error: failed to get domain 'x'") and the driver's ("error: Domain not found: no domain with matching
 * name 'x'"); the test driver prints only the first for domains. Texts as libvirt 9 prints them (LANG=C).
 */

export type VirshObject = 'domain' | 'network' | 'vol' | 'pool' | 'snapshot'

/** The `error:` lines of virsh's stderr, without the prefix. */
export function errorLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('error: '))
    .map((l) => l.slice('error: '.length))
}

const NOT_FOUND: Record<VirshObject, RegExp> = {
  domain: /^(failed to get domain '|Domain not found: )/,
  network: /^(failed to get network '|Network not found: )/,
  vol: /^(failed to get vol '|Storage volume not found: )/,
  pool: /^(failed to get pool '|Storage pool not found: )/,
  snapshot: /^Domain snapshot not found: /,
}

/** The object the call named does not exist. */
export function notFound(stderr: string, what: VirshObject): boolean {
  return errorLines(stderr).some((l) => NOT_FOUND[what].test(l))
}

/** `start` of a running domain, `net-start` of an active network: already where the call would put it. */
export function alreadyActive(stderr: string): boolean {
  return errorLines(stderr).some((l) => /^(Domain is already active|Requested operation is not valid: (network|domain) is already (active|running))/.test(l))
}

/** `destroy` or `shutdown` of a domain that is off. */
export function notRunning(stderr: string): boolean {
  return errorLines(stderr).some((l) => /(domain is not running|domain '[^']*' not running)$/.test(l))
}

/** The driver cannot do this at all (the test driver's vol-upload and net-dhcp-leases). */
export function unsupported(stderr: string): boolean {
  return errorLines(stderr).some((l) => l.startsWith('this function is not supported by the connection driver'))
}

/** The host refused the connection itself: the URI, the daemon or the SSH login. */
export function connectionFailed(stderr: string): boolean {
  return errorLines(stderr).some((l) => /^(failed to connect to the hypervisor|Failed to connect socket|Cannot recv data|End of file while reading data|authentication failed)/.test(l))
}

/** The most telling line: the driver's reason (last) rather than virsh's "failed to …". */
export function reason(stderr: string): string {
  const lines = errorLines(stderr)
  return lines.at(-1) ?? stderr.trim()
}
