import type { DownloadProgress } from './download.js'

export interface ProgressStream {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

export interface ProgressReporter {
  update(p: DownloadProgress): void
  /** Ends the display (the bar's line is finished with a newline). */
  done(): void
}

/** Rate over the last few seconds, so that a resumed or bursty transfer shows what it does now. */
const RATE_WINDOW_MS = 5000
const TTY_REDRAW_MS = 100
/** `100%  2252.0/2252.0 MB  112.5 MB/s  ETA 59m59s` and some slack. */
const INFO_WIDTH = 50

/**
 * Download progress on stderr: a bar redrawn in place on a terminal (percent, MB, rate, ETA);
 * otherwise a plain line at every further 10 % (every 100 MB when the size is unknown), which
 * reads well in CI logs. No colour is used, so NO_COLOR needs nothing.
 */
export function progressReporter(label: string, out: ProgressStream, now: () => number = Date.now): ProgressReporter {
  const samples: { t: number; bytes: number }[] = []
  let last: DownloadProgress | undefined
  let lastDraw = -Infinity
  let lastStep = -1
  let printed: number | undefined

  const rate = (): number | undefined => {
    const first = samples[0]
    const latest = samples[samples.length - 1]
    if (!first || !latest || latest.t - first.t < 500) return undefined
    return ((latest.bytes - first.bytes) * 1000) / (latest.t - first.t)
  }

  const draw = (p: DownloadProgress, final: boolean): void => {
    const t = now()
    if (out.isTTY) {
      if (!final && t - lastDraw < TTY_REDRAW_MS) return
      lastDraw = t
      // A pseudo-terminal without a size reports 0 columns.
      out.write(`\r${fitLine(label, p, rate(), out.columns || 80)}\x1b[K`)
      printed = p.received
      return
    }
    const step = p.total ? Math.floor((p.received / p.total) * 10) : Math.floor(p.received / 100e6)
    if (!final && step === lastStep) return
    lastStep = step
    printed = p.received
    out.write(`${label}: ${describe(p, rate())}\n`)
  }

  return {
    update(p) {
      const t = now()
      if (!last || p.received < last.received) samples.length = 0
      samples.push({ t, bytes: p.received })
      while (samples.length > 2 && t - samples[0]!.t > RATE_WINDOW_MS) samples.shift()
      last = p
      draw(p, false)
    },
    done() {
      if (!last) return
      if (out.isTTY || printed !== last.received) draw(last, true)
      if (out.isTTY) out.write('\n')
    },
  }
}

function describe(p: DownloadProgress, bytesPerSec: number | undefined): string {
  const parts = [p.total ? `${percent(p)}%` : undefined, sizes(p), speed(bytesPerSec), eta(p, bytesPerSec)]
  return parts.filter((x) => x !== undefined).join('  ')
}

function fitLine(label: string, p: DownloadProgress, bytesPerSec: number | undefined, columns: number): string {
  const info = describe(p, bytesPerSec)
  // Sized for the longest info text, so that the bar does not change width as the numbers do.
  const barWidth = p.total ? Math.min(30, columns - 1 - label.length - 4 - INFO_WIDTH) : 0
  if (barWidth >= 10) {
    const filled = Math.round((p.received / p.total!) * barWidth)
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]  ${info}`
  }
  const line = `${label}  ${info}`
  return line.length < columns ? line : line.slice(0, columns - 1)
}

function percent(p: DownloadProgress): string {
  return Math.min(100, Math.floor((p.received / p.total!) * 100)).toString()
}

function sizes(p: DownloadProgress): string {
  return p.total ? `${mb(p.received)}/${mb(p.total)} MB` : `${mb(p.received)} MB`
}

function speed(bytesPerSec: number | undefined): string | undefined {
  return bytesPerSec === undefined ? undefined : `${mb(bytesPerSec)} MB/s`
}

function eta(p: DownloadProgress, bytesPerSec: number | undefined): string | undefined {
  if (!p.total || !bytesPerSec || p.received >= p.total) return undefined
  return `ETA ${duration((p.total - p.received) / bytesPerSec)}`
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1)
}

/** 75 → `1m15s`, 3725 → `1h02m`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}
