/**
 * One round trip for every probe that asks a node something at the same moment. Under software emulation
 * an exec costs a new sh and often a docker CLI start (about a second each), so the probes of all a lab's
 * modules, started together, share one section script per node; identical commands run once.
 */
import type { Guest } from '../modules/module.js'
import { commandText } from '../guest/remote-command.js'
import { readSections, type SectionResult, type SectionsRead } from '../modules/lib/probe-script.js'

type Sections = Record<string, string | readonly string[]>

interface Waiting {
  sections: Sections
  resolve(read: SectionsRead): void
  reject(error: unknown): void
}

/** Against a round trip of a second or more under emulation, a few milliseconds of waiting cost nothing. */
const BATCH_WINDOW_MS = 10

export class BatchingGuest implements Guest {
  private waiting: Waiting[] = []
  private scheduled = false
  /** Execs sent, for the tests and the bench. */
  batches = 0

  constructor(private readonly inner: Guest) {}

  exec(...args: Parameters<Guest['exec']>): ReturnType<Guest['exec']> {
    return this.inner.exec(...args)
  }

  upload(...args: Parameters<Guest['upload']>): ReturnType<Guest['upload']> {
    return this.inner.upload(...args)
  }

  readSections(sections: Sections): Promise<SectionsRead> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ sections, resolve, reject })
      if (this.scheduled) return
      this.scheduled = true
      // A short window: probes started together may each await something local (a file, a module) first.
      setTimeout(() => void this.flush(), BATCH_WINDOW_MS)
    })
  }

  private async flush(): Promise<void> {
    const batch = this.waiting
    this.waiting = []
    this.scheduled = false
    const byText = new Map<string, string>()
    const script: Sections = {}
    for (const w of batch) {
      for (const [wanted, cmd] of Object.entries(w.sections)) {
        const text = commandText(cmd)
        if (byText.has(text)) continue
        // A section keeps its module's name (what logs and transcripts show) unless another took it.
        let name = wanted
        for (let n = 2; name in script; n++) name = `${wanted}_${n}`
        byText.set(text, name)
        script[name] = cmd
      }
    }
    this.batches++
    let read: SectionsRead
    try {
      read = await readSections(this.inner, script)
    } catch (error) {
      for (const w of batch) w.reject(error)
      return
    }
    for (const w of batch) {
      const own = new Map<string, SectionResult>()
      for (const [name, cmd] of Object.entries(w.sections)) {
        const found = read.sections.get(byText.get(commandText(cmd))!)
        if (found) own.set(name, found)
      }
      w.resolve({ ...read, sections: own })
    }
  }
}
