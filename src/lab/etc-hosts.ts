/**
 * The lab's part of a node's /etc/hosts. The identity agent (templates/identity/vmlab-identity), cloud-init's
 * seed and the hosts module all write it this way, so that the hosts module finds a freshly booted clone
 * already as it wants it.
 */
export const HOSTS_BEGIN = '# BEGIN vmlab'
export const HOSTS_END = '# END vmlab'

/** What a file without localhost lines gets (the EL defaults; the agent carries the same two lines). */
export const LOCALHOST_LINES = ['127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4', '::1         localhost localhost.localdomain localhost6 localhost6.localdomain6']

/** The marked block: one `IP NAME…` line per entry. */
export function hostsBlock(entries: Array<{ ip: string; names: string[] }>): string[] {
  return [HOSTS_BEGIN, ...entries.map((e) => `${e.ip} ${e.names.join(' ')}`), HOSTS_END]
}
