/**
 * One SSH session per node for a whole command, with the node's pinned host key, and the node's OS facts
 * read once. Modules see it through the small Guest interface.
 */
import type { LoadedLab } from '../lab/load.js'
import { vmName } from '../lab/vm-names.js'
import type { Provider } from '../providers/provider.js'
import { GuestPool } from '../guest/pool.js'
import type { GuestSession } from '../guest/session.js'
import { probeFacts, type GuestFacts } from '../guest/facts.js'
import type { Guest } from '../modules/module.js'
import type { LabCredentials } from './credentials.js'
import { ensureHostKeys } from './node-identity.js'
import type { Reporter } from './events.js'

export function asGuest(session: GuestSession): Guest {
  return {
    exec: async (cmd, opts = {}) => {
      const r = await session.exec(cmd, opts)
      return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr }
    },
    upload: (path, data, opts = {}) => session.upload(path, data, { mode: opts.mode ?? 0o644, ...(opts.owner ? { owner: opts.owner } : {}), ...(opts.group ? { group: opts.group } : {}) }),
  }
}

export class LabSessions {
  readonly pool: GuestPool
  private readonly facts = new Map<string, Promise<GuestFacts>>()

  constructor(loaded: LoadedLab, provider: Provider, creds: LabCredentials, opts: { deadlineMs?: number; report?: Reporter; log?: (node: string, line: string) => void } = {}) {
    const lab = loaded.lab
    this.pool = new GuestPool(async (nodeName) => {
      const node = lab.nodes.find((n) => n.name === nodeName)!
      const at = await provider.sshEndpoint(vmName(lab, node), node.ip)
      const hostKey = (await ensureHostKeys(loaded.stateDir, node)).ed25519.public
      return {
        name: nodeName,
        host: at.host,
        port: at.port,
        user: 'root',
        privateKey: creds.privateKey,
        hostKey,
        // Installs and first boots under emulation take minutes; VMLAB_SSH_TIMEOUT (seconds) changes the wait.
        deadlineMs: opts.deadlineMs ?? Number(process.env.VMLAB_SSH_TIMEOUT ?? 600) * 1000,
        onWait: (attempt, elapsedMs) => {
          if (attempt % 5 === 0) opts.report?.({ type: 'task', stage: 'ssh', node: nodeName, title: 'waiting for SSH', status: 'running', detail: `${Math.round(elapsedMs / 1000)} s` })
        },
        log: (line) => opts.log?.(nodeName, line),
      }
    })
  }

  async session(node: string): Promise<GuestSession> {
    return this.pool.get(node)
  }

  async guest(node: string): Promise<{ guest: Guest; facts: GuestFacts }> {
    const session = await this.pool.get(node)
    let facts = this.facts.get(node)
    if (!facts) {
      facts = probeFacts(session)
      this.facts.set(node, facts)
      facts.catch(() => this.facts.delete(node))
    }
    return { guest: asGuest(session), facts: await facts }
  }

  /** Forget a node's session and facts (after a restore or a reboot). */
  async drop(node: string): Promise<void> {
    this.facts.delete(node)
    await this.pool.drop(node)
  }

  async close(): Promise<void> {
    await this.pool.closeAll()
  }
}
