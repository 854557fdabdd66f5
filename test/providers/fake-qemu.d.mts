import type { Server } from 'node:net'

export interface FakeVm {
  running: boolean
  snapshots: Set<string>
}

export type FakeHandler = (args: Record<string, unknown>, vm: FakeVm, emit: (name: string, data?: unknown) => void) => unknown

export function serveFakeQmp(
  path: string,
  opts?: { handlers?: Record<string, FakeHandler>; vm?: FakeVm; log?: Record<string, unknown>[] },
): Promise<Server>
