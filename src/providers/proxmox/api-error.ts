/**
 * The PVE API's own error words turned into an error a user can act on. PVE answers 400 with
 * `{errors: {param: msg}}` ("Parameter verification failed."), 403 with "Permission check failed (PATH, PRIV)",
 * 500 with the die() text of the handler and 596 when a node of the cluster cannot be reached.
 */
import { LabError } from '../../util/errors.js'

export class PveApiError extends LabError {
  readonly status: number
  readonly method: string
  readonly path: string
  readonly errors: Record<string, string>
  readonly pveMessage: string
  constructor(opts: { status: number; method: string; path: string; message: string; errors?: Record<string, string>; hint?: string }) {
    const params = Object.entries(opts.errors ?? {}).map(([k, v]) => `${k}: ${v.trim()}`)
    const text = [opts.message.trim(), ...params].filter((x) => x !== '').join('; ')
    const hint = opts.hint ?? hintFor(opts.status, opts.message)
    super(`proxmox: ${opts.method} ${opts.path} failed (HTTP ${opts.status}): ${text}`, hint === undefined ? {} : { hint })
    this.name = 'PveApiError'
    this.status = opts.status
    this.method = opts.method
    this.path = opts.path
    this.errors = opts.errors ?? {}
    this.pveMessage = opts.message.trim()
  }
  /** `VM is locked (clone)`: another task holds the VM; worth another try. */
  get lockedBy(): string | undefined {
    return /VM is locked \(([a-z-]+)\)/.exec(this.pveMessage)?.[1]
  }
}

/** "Permission check failed (/vms/104, VM.Allocate)" → the path and the privilege the token lacks. */
export function missingPrivilege(message: string): { path: string; privilege: string } | undefined {
  const m = /Permission check failed \(([^,)]+),\s*([^)]+)\)/.exec(message)
  return m ? { path: m[1]!.trim(), privilege: m[2]!.trim() } : undefined
}

function hintFor(status: number, message: string): string | undefined {
  if (status === 401) return 'check proxmox.token (USER@REALM!TOKENID) and its secret; `pveum user token list USER@REALM` lists the tokens'
  if (status === 403) {
    const p = missingPrivilege(message)
    // Tokens with privilege separation have their own ACLs: the user's role alone is not enough.
    return p
      ? `the API token lacks ${p.privilege} on ${p.path}: grant it, e.g. pveum acl modify ${p.path} --tokens USER@REALM!TOKENID --roles ROLE (a role holding ${p.privilege}; see README "Proxmox VE")`
      : 'grant the API token the roles listed in README "Proxmox VE" (pveum acl modify PATH --tokens USER@REALM!TOKENID --roles ROLE)'
  }
  if (status === 596) return 'a cluster node did not answer the node the API runs on: check `pvecm status` and that the node is up'
  return undefined
}
