/**
 * One round trip for every probe that asks a node something at about the same moment. Under software
 * emulation an exec costs a new sh and often a docker CLI start (a second or more each), so the probes of all
 * a lab's modules, started together, share one section script per node; identical commands run once, and a
 * read whose commands are all in the script running at that moment takes its answer from there.
 */
import type { Guest, Facts } from '../modules/module.js'
import { commandText } from '../guest/remote-command.js'
import { PROBE_TIMEOUT_MS, readSections, type SectionResult, type SectionsRead } from '../modules/lib/probe-script.js'

type Sections = Record<string, string | readonly string[]>

interface Waiting {
  sections: Sections
  resolve(read: SectionsRead): void
  reject(error: unknown): void
}

/**
 * Probes started together reach their first read a few event-loop turns apart (each may await a file or a
 * module first; on a loaded host, turns are slow): a batch goes out once no read has come for QUIET_MS, at
 * most MAX_WAIT_MS after its first. Against a round trip of a second or more, that wait costs nothing.
 */
const QUIET_MS = 15
const MAX_WAIT_MS = 150

interface Running {
  /** Command text → section name in the script being run. */
  names: Map<string, string>
  read: Promise<SectionsRead>
}

export class BatchingGuest implements Guest {
  private waiting: Waiting[] = []
  private firstAt = 0
  private timer: NodeJS.Timeout | undefined
  private running: Running | undefined
  /** Section scripts sent: what the tests count. */
  batches = 0

  /** `parallel`: the batch's sections run side by side on the node (see sectionScript). */
  constructor(
    private readonly inner: Guest,
    private readonly opts: { parallel?: boolean } = {},
  ) {}

  exec(...args: Parameters<Guest['exec']>): ReturnType<Guest['exec']> {
    return this.inner.exec(...args)
  }

  upload(...args: Parameters<Guest['upload']>): ReturnType<Guest['upload']> {
    return this.inner.upload(...args)
  }

  readSections(sections: Sections): Promise<SectionsRead> {
    const running = this.running
    if (running && Object.values(sections).every((cmd) => running.names.has(commandText(cmd)))) {
      return running.read.then((read) => answer(read, sections, running.names))
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ sections, resolve, reject })
      const now = Date.now()
      if (this.waiting.length === 1) this.firstAt = now
      clearTimeout(this.timer)
      this.timer = setTimeout(() => void this.flush(), Math.max(0, Math.min(QUIET_MS, this.firstAt + MAX_WAIT_MS - now)))
    })
  }

  private async flush(): Promise<void> {
    const batch = this.waiting
    this.waiting = []
    this.timer = undefined
    const names = new Map<string, string>()
    const script: Sections = {}
    for (const w of batch) {
      for (const [wanted, cmd] of Object.entries(w.sections)) {
        const text = commandText(cmd)
        if (names.has(text)) continue
        // A section keeps its module's name (what logs and transcripts show) unless another took it.
        let name = wanted
        for (let n = 2; name in script; n++) name = `${wanted}_${n}`
        names.set(text, name)
        script[name] = cmd
      }
    }
    this.batches++
    // Each probe alone would have had the whole timeout: together they get the sum.
    const running: Running = { names, read: readSections(this.inner, script, PROBE_TIMEOUT_MS * batch.length, this.opts) }
    this.running = running
    try {
      const read = await running.read
      for (const w of batch) w.resolve(answer(read, w.sections, names))
    } catch (error) {
      for (const w of batch) w.reject(error)
    } finally {
      if (this.running === running) this.running = undefined
    }
  }
}

/** One requester's sections, under its own names, out of a batch's read. */
function answer(read: SectionsRead, sections: Sections, names: Map<string, string>): SectionsRead {
  const own = new Map<string, SectionResult>()
  for (const [name, cmd] of Object.entries(sections)) {
    const found = read.sections.get(names.get(commandText(cmd))!)
    if (found) own.set(name, found)
  }
  return { ...read, sections: own }
}

type Access = (node: string) => Promise<{ guest: Guest; facts: Facts }>

/** One batching guest per node for a whole run of `access` (grading: `parallel`, see sectionScript). */
export function batchedAccess(access: Access, opts: { parallel?: boolean } = {}): Access {
  const cache = new Map<string, Promise<{ guest: Guest; facts: Facts }>>()
  return (node) => {
    let found = cache.get(node)
    if (!found) {
      found = access(node).then(({ guest, facts }) => ({ guest: new BatchingGuest(guest, opts), facts }))
      cache.set(node, found)
    }
    return found
  }
}
