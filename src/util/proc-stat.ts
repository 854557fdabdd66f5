/** Linux's view of a process, where /proc exists: what the lab lock and the kill tests need of it. */
import { readFileSync } from 'node:fs'

/**
 * The fields of /proc/<pid>/stat from the third (the state) on, so that field N of proc(5) is at N - 3: the
 * command name before them may hold spaces and parentheses. Undefined without /proc or without the process.
 */
export function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** When the process started, in clock ticks since boot (field 22): a PID given to another process since differs. */
export function startTicks(pid: number): number | undefined {
  const ticks = Number(procStat(pid)?.[19])
  return Number.isFinite(ticks) ? ticks : undefined
}

/** Its parent's PID (field 4). */
export function parentPid(pid: number): number | undefined {
  const ppid = Number(procStat(pid)?.[1])
  return Number.isFinite(ppid) ? ppid : undefined
}
