/**
 * Shows engine events: a live task tree (stage → node tasks) redrawn in place on a terminal, or one
 * timestamped line per event when output is a file, a pipe or CI. Colour only on a TTY without NO_COLOR.
 */
import type { EngineEvent, Reporter } from '../engine/events.js'

const ICON = { running: '…', done: '✔', skipped: '↷', failed: '✖' } as const

function seconds(ms?: number): string {
  return ms === undefined ? '' : ` (${(ms / 1000).toFixed(1)} s)`
}

function clock(): string {
  return new Date().toISOString().slice(11, 19)
}

export function plainReporter(out: NodeJS.WritableStream = process.stderr): Reporter {
  return (e: EngineEvent) => {
    switch (e.type) {
      case 'stage':
        if (e.status === 'running') out.write(`${clock()} ${e.stage} …\n`)
        else out.write(`${clock()} ${e.stage} ${e.status}${seconds(e.elapsedMs)}${e.detail ? `: ${e.detail}` : ''}\n`)
        break
      case 'task':
        if (e.status !== 'running') out.write(`${clock()}   ${e.node}: ${e.title} ${e.status}${seconds(e.elapsedMs)}${e.detail ? `: ${e.detail}` : ''}\n`)
        else if (e.detail) out.write(`${clock()}   ${e.node}: ${e.title}: ${e.detail}\n`)
        break
      case 'info':
        out.write(`${clock()} ${e.message}\n`)
        break
      case 'warn':
        out.write(`${clock()} warning: ${e.message}\n`)
        break
    }
  }
}

interface Line {
  key: string
  text: string
}

/** Redraws the last few lines in place; finished stages scroll up as ordinary text. */
export function ttyReporter(out: NodeJS.WriteStream = process.stderr, color = !process.env.NO_COLOR): Reporter {
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s)
  const tint = { running: '36', done: '32', skipped: '90', failed: '31' } as const
  let live: Line[] = []
  let drawn = 0
  let current: string | undefined
  const started = new Map<string, number>()
  const redraw = () => {
    if (drawn) out.write(`\x1b[${drawn}A\x1b[0J`)
    for (const l of live) out.write(l.text + '\n')
    drawn = live.length
  }
  const upsert = (key: string, text: string) => {
    const l = live.find((x) => x.key === key)
    if (l) l.text = text
    else live.push({ key, text })
  }
  const timer = setInterval(() => {
    if (!current) return
    const t0 = started.get(current)
    upsert(`stage:${current}`, `${paint(tint.running, ICON.running)} ${current}${t0 ? paint('90', seconds(Date.now() - t0)) : ''}`)
    redraw()
  }, 500)
  timer.unref()
  return (e: EngineEvent) => {
    if (e.type === 'info' || e.type === 'warn') {
      // Messages are history: print them above the live part, then draw it again below.
      if (drawn) out.write(`\x1b[${drawn}A\x1b[0J`)
      out.write((e.type === 'warn' ? paint('33', `warning: ${e.message}`) : e.message) + '\n')
      drawn = 0
      redraw()
      return
    }
    if (e.type === 'stage') {
      if (e.status === 'running') {
        current = e.stage
        started.set(e.stage, Date.now())
        upsert(`stage:${e.stage}`, `${paint(tint.running, ICON.running)} ${e.stage}`)
      } else {
        upsert(`stage:${e.stage}`, `${paint(tint[e.status], ICON[e.status])} ${e.stage}${paint('90', seconds(e.elapsedMs))}${e.detail ? `: ${e.detail}` : ''}`)
        redraw()
        // The finished stage and its tasks become history.
        live = []
        drawn = 0
        if (current === e.stage) current = undefined
        return
      }
    } else {
      const text = `   ${paint(tint[e.status], ICON[e.status])} ${e.node}: ${e.title}${paint('90', seconds(e.elapsedMs))}${e.detail ? ` ${paint('90', e.detail)}` : ''}`
      upsert(`task:${e.node}:${e.title}`, text)
    }
    redraw()
  }
}

export function reporterFor(stream: NodeJS.WriteStream = process.stderr): Reporter {
  return stream.isTTY && !process.env.CI ? ttyReporter(stream) : plainReporter(stream)
}
