/**
 * HTTP checks run on a node (the lab network may not be reachable from the host): the status of GET / on
 * each address, with curl where it is installed and bash's /dev/tcp where it is not (minimal images).
 */
import type { Guest } from '../module.js'
import { shellQuote } from '../../guest/remote-command.js'

export interface HttpTarget {
  host: string
  port: number
}

const GET = [
  'get() {',
  '  if command -v curl >/dev/null 2>&1; then',
  `    curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$1:$2/"`,
  '  else',
  `    timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "GET / HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n" "$0" >&3 && head -n 1 <&3' "$1" "$2" 2>/dev/null | sed -n 's|^HTTP/[0-9.]* \\([0-9]*\\).*|\\1|p'`,
  '  fi',
  '}',
].join('\n')

export function httpScript(targets: readonly HttpTarget[]): string {
  const lines = targets.map((t) => `echo "${t.host}:${t.port} $(get ${shellQuote(t.host)} ${String(t.port)})"`)
  return [GET, ...lines].join('\n')
}

/** `host:port` → HTTP status, 0 when nothing answered. */
export async function httpStatuses(guest: Guest, targets: readonly HttpTarget[]): Promise<Map<string, number>> {
  const result = await guest.exec(httpScript(targets), { timeoutMs: 30_000 + targets.length * 6_000 })
  const statuses = new Map<string, number>()
  for (const t of targets) statuses.set(`${t.host}:${t.port}`, 0)
  for (const line of result.stdout.split('\n')) {
    const m = /^(\S+) (\d*)$/.exec(line.trim())
    if (m && statuses.has(m[1]!)) statuses.set(m[1]!, Number(m[2] || 0))
  }
  return statuses
}

/** What curl -f accepts: an answer below 400. */
export function answered(status: number): boolean {
  return status >= 100 && status < 400
}
