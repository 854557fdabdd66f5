/**
 * Host ports for the NAT SSH forwards. A port is free when no registered VM forwards it (a powered-off
 * VM's rule binds nothing yet but will when it starts), this process has not handed it out already
 * (clones made concurrently), nothing listens on it now, and no other `lab` process on this host has claimed it
 * (state/port-claims.ts: a class's instances come up side by side). The VMs' forwards are read once per
 * picker: what this process adds later it knows already.
 */
import { createServer } from 'node:net'
import { LabError } from '../../util/errors.js'

export class PortPicker {
  private readonly handedOut = new Set<number>()
  private queue: Promise<unknown> = Promise.resolve()
  private forwarded: Set<number> | undefined

  constructor(
    private readonly first: number,
    private readonly isFree: (port: number) => Promise<boolean>,
  ) {}

  /** The lowest acceptable port from `first` on; calls are serialised so two never get the same one. */
  pick(readForwarded: () => Promise<Set<number>>): Promise<number> {
    const next = this.queue.then(async () => {
      this.forwarded ??= await readForwarded()
      const used = this.forwarded
      for (let port = this.first; port <= 65535; port++) {
        if (used.has(port) || this.handedOut.has(port)) continue
        if (!(await this.isFree(port))) continue
        this.handedOut.add(port)
        return port
      }
      throw new LabError(`no free host port from ${this.first} up for SSH forwarding`, { hint: 'remove VMs you no longer need (`VBoxManage list vms`)' })
    })
    this.queue = next.catch(() => undefined)
    return next
  }
}

/** True when nothing listens on 127.0.0.1:port. */
export function loopbackPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)))
  })
}
