import t from 'tap'
import { OutputCollector } from '../../src/guest/output.js'

t.test('lines are passed on whole, even when chunks split them or a character', async (t) => {
  const lines: string[] = []
  const out = new OutputCollector(1024, (l) => lines.push(l))
  const euro = Buffer.from('€') // three bytes
  out.push(Buffer.from('one\ntw'))
  out.push(Buffer.concat([Buffer.from('o '), euro.subarray(0, 1)]))
  out.push(Buffer.concat([euro.subarray(1), Buffer.from('\nthree')]))
  t.same(lines, ['one', 'two €'])
  out.flush()
  t.same(lines, ['one', 'two €', 'three'])
  t.equal(out.text(), 'one\ntwo €\nthree')
})

t.test('past the limit the stream is marked and the excess dropped', async (t) => {
  const out = new OutputCollector(10)
  t.equal(out.push(Buffer.from('12345')), true)
  t.equal(out.push(Buffer.from('678901')), false)
  t.equal(out.exceeded, true)
  t.equal(out.push(Buffer.from('1')), false)
  t.equal(out.text(), '12345')
})

t.test('a very long line without newline is passed on in pieces', async (t) => {
  const lines: string[] = []
  const out = new OutputCollector(1024 * 1024, (l) => lines.push(l))
  out.push(Buffer.alloc(100 * 1024, 'x'))
  t.equal(lines.length, 1)
  t.equal(lines[0]?.length, 100 * 1024)
})
