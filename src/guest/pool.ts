import { GuestSession, type ConnectOptions } from './session.js'

/** How to reach a node, asked for on first use (the address may only be known once the VM runs). */
export type TargetResolver = (nodeName: string) => ConnectOptions | Promise<ConnectOptions>

/**
 * One session per node, opened on first use and shared, so that the engine never opens two
 * connections to one node. A session whose connection was lost is reconnected on the next `get`.
 */
export class GuestPool {
  private readonly sessions = new Map<string, Promise<GuestSession>>()

  constructor(private readonly resolve: TargetResolver) {}

  get(nodeName: string): Promise<GuestSession> {
    const existing = this.sessions.get(nodeName)
    if (existing) return existing.then(revive)
    const opening = (async () => GuestSession.connect(await this.resolve(nodeName)))()
    this.sessions.set(nodeName, opening)
    // A failed connect is not cached: the next get tries again.
    opening.catch(() => {
      if (this.sessions.get(nodeName) === opening) this.sessions.delete(nodeName)
    })
    return opening
  }

  /** Closes and forgets one node's session (a node being destroyed or rebuilt). */
  async drop(nodeName: string): Promise<void> {
    const existing = this.sessions.get(nodeName)
    this.sessions.delete(nodeName)
    const session = await existing?.catch(() => undefined)
    session?.close()
  }

  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()]
    this.sessions.clear()
    for (const session of await Promise.all(all.map((p) => p.catch(() => undefined)))) session?.close()
  }
}

async function revive(session: GuestSession): Promise<GuestSession> {
  if (!session.connected) await session.reconnect()
  return session
}
