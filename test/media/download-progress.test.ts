import t from 'tap'
import { duration, progressReporter } from '../../src/media/download-progress.js'

function fakeStream(isTTY: boolean): { text: () => string; write: (s: string) => boolean; isTTY: boolean; columns: number } {
  let out = ''
  const write = (s: string) => {
    out += s
    return true
  }
  return { isTTY, columns: 100, write, text: () => out }
}

t.test('on a terminal: one bar redrawn in place with percent, MB, rate and ETA', async (t) => {
  const out = fakeStream(true)
  let now = 0
  const r = progressReporter('Rocky-9.6-x86_64-minimal.iso', out, () => now)
  const total = 2_000_000_000
  for (let s = 0; s <= 10; s++) {
    now = s * 1000
    r.update({ received: s * 10_000_000, total, resumedFrom: 0 })
  }
  r.done()
  const frames = out.text().split('\r').filter(Boolean)
  t.equal(frames.length, 12, 'a frame per update (they are 1 s apart) and the final one')
  t.equal(frames.at(-2), 'Rocky-9.6-x86_64-minimal.iso [#----------------]  5%  100.0/2000.0 MB  10.0 MB/s  ETA 3m10s\x1b[K')
  t.equal(new Set(frames.map((f) => /\[[#-]+\]/.exec(f)?.[0].length)).size, 1, 'the bar keeps its width')
  t.ok(
    frames.every((f) => f.replace(/\x1b\[K|\n/g, '').length < 100),
    'fits the terminal width',
  )
  t.ok(out.text().endsWith('\n'), 'done() ends the line')
  t.notMatch(out.text(), /\x1b\[[0-9;]*m/, 'no colour codes')
})

t.test('on a terminal: redraws are limited to ten a second', async (t) => {
  const out = fakeStream(true)
  let now = 0
  const r = progressReporter('x.iso', out, () => now)
  for (let i = 0; i < 100; i++) {
    now = i
    r.update({ received: i * 1000, total: 1_000_000, resumedFrom: 0 })
  }
  t.equal(out.text().split('\r').filter(Boolean).length, 1)
})

t.test('not on a terminal: a plain line at every 10 %', async (t) => {
  const out = fakeStream(false)
  let now = 0
  const r = progressReporter('x.iso', out, () => now)
  for (let i = 0; i <= 100; i++) {
    now = i * 100
    r.update({ received: i * 10_000, total: 1_000_000, resumedFrom: 0 })
  }
  r.done()
  const lines = out.text().trimEnd().split('\n')
  t.equal(lines.length, 11)
  t.equal(lines[0], 'x.iso: 0%  0.0/1.0 MB')
  t.equal(lines[5], 'x.iso: 50%  0.5/1.0 MB  0.1 MB/s  ETA 5s')
  t.equal(lines[10], 'x.iso: 100%  1.0/1.0 MB  0.1 MB/s')
  t.notMatch(out.text(), /\r|\x1b/, 'no terminal control characters')
})

t.test('not on a terminal, size unknown: a line every 100 MB and a final one', async (t) => {
  const out = fakeStream(false)
  const r = progressReporter('x.iso', out, () => 0)
  for (let mb = 0; mb <= 250; mb += 10) r.update({ received: mb * 1e6, total: undefined, resumedFrom: 0 })
  r.done()
  t.same(out.text().trimEnd().split('\n'), ['x.iso: 0.0 MB', 'x.iso: 100.0 MB', 'x.iso: 200.0 MB', 'x.iso: 250.0 MB'])
})

t.test('durations', async (t) => {
  t.equal(duration(5), '5s')
  t.equal(duration(75), '1m15s')
  t.equal(duration(3725), '1h02m')
})
