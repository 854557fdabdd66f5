import t from 'tap'
import { chownSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fsError } from '../../src/util/fs-errors.js'
import { parseJsonText } from '../../src/util/json-text.js'
import { LabError } from '../../src/util/errors.js'

/** An error as node:fs throws it. */
function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: raw text, ${syscall} '${path}'`), { code, syscall, path, errno: -1 })
}

t.test('each errno a user can act on: the path, the cause in words, the fix; exit code 1', async (t) => {
  const dir = t.testdir({ 'state.json': '{}' })
  const cases: Array<[string, string, RegExp, RegExp]> = [
    ['EROFS', 'open', /: the file system is read-only$/, /remount the disk that holds .* read-write/],
    ['ENOSPC', 'write', /: no space left on device$/, /free space on the disk that holds .* \(`df -h /],
    ['EDQUOT', 'write', /: disk quota exceeded$/, /quota/],
    ['EACCES', 'open', /: permission denied$/, /chmod u\+rwX /],
    ['EPERM', 'rename', /: operation not permitted$/, /chmod u\+rwX /],
    ['ENOTDIR', 'mkdir', /: a part of the path is a file where a folder should be$/, /move the file/],
    ['EIO', 'read', /: input\/output error/, /dmesg/],
  ]
  for (const [code, syscall, words, fix] of cases) {
    const e = fsError(errno(code, syscall, join(dir, 'state.json')), { doing: 'cannot save the lab state to' })
    t.ok(e instanceof LabError, code)
    const l = e as LabError
    t.match(l.message, new RegExp(`^cannot save the lab state to ${join(dir, 'state.json')}`), `${code}: names the path`)
    t.match(l.message, words, `${code}: the cause in words`)
    t.notMatch(l.message, new RegExp(code), `${code}: no raw errno in the message`)
    t.match(l.hint, fix, `${code}: the fix`)
    t.equal(l.exitCode, 1)
  }
})

t.test('the path the user knows is named, and the fix is for the folder that exists', async (t) => {
  const dir = t.testdir({})
  const e = fsError(errno('EACCES', 'open', join(dir, '.state.json.1234.tmp')), { doing: 'cannot write', path: join(dir, 'state.json') }) as LabError
  t.equal(e.message, `cannot write ${join(dir, 'state.json')}: permission denied`, 'not the temporary name')
  t.match(e.hint, `chmod u+rwX ${dir}\``, 'the folder the file was to go in')
  const made = fsError(errno('EACCES', 'mkdir', join(dir, '.lab', 'swarm'))) as LabError
  t.equal(made.message, `cannot create the folder ${join(dir, '.lab', 'swarm')}: permission denied`, 'the verb follows the call that failed')
  t.match(made.hint, ` ${dir}\``, 'the nearest folder that exists')
})

t.test('a folder of another user: run lab as that user or take the folder over', async (t) => {
  const dir = join(t.testdir({}), 'theirs')
  mkdirSync(dir)
  chownSync(dir, 65534, 65534)
  const e = fsError(errno('EACCES', 'open', join(dir, 'lock'))) as LabError
  t.match(e.hint, new RegExp(`${dir} belongs to another user \\(uid 65534\\): run lab as that user, or take it over with \`sudo chown -R \\S+ ${dir}\``))
})

t.test('what is not a file-system failure it can explain is returned as it was', async (t) => {
  const plain = new Error('boom')
  t.equal(fsError(plain), plain)
  const lab = new LabError('told already')
  t.equal(fsError(lab), lab)
  const unknown = errno('EWHATEVER', 'open', '/x')
  t.equal(fsError(unknown), unknown)
  const noPath = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' })
  t.equal(fsError(noPath), noPath, 'without a path it cannot say where')
})

t.test('JSON that a file held: cut off, wrong at a place, empty', async (t) => {
  t.same(parseJsonText('{"a":[1,2]}'), { ok: true, value: { a: [1, 2] } })
  t.same(parseJsonText('{"rootPasswordHash": "$6$ab'), { ok: false, problem: 'it ends early, at byte 27: it was cut off while it was written (a full disk, or a crash)' })
  t.same(parseJsonText('{"a":1\n'), { ok: false, problem: 'it ends early, at byte 7: it was cut off while it was written (a full disk, or a crash)' }, 'a trailing newline is still cut off')
  t.same(parseJsonText('{\n  "a": 1,\n  "b": 2}}'), { ok: false, problem: 'it is not valid JSON at line 3, column 10 (byte 21)' })
  t.same(parseJsonText('{"é": 1}}'), { ok: false, problem: 'it is not valid JSON at line 1, column 9 (byte 9)' }, 'bytes, not characters')
  t.same(parseJsonText('  \n'), { ok: false, problem: 'it is empty' })
  const odd = parseJsonText('{"a": x}')
  t.match(odd, { ok: false, problem: /^it is not valid JSON \(Unexpected token/ })
})
