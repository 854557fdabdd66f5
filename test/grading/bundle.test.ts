import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { bundleDigest, bundleFileName, makeBundle, redact, verifyBundle, writeBundle } from '../../src/grading/bundle.js'
import { canonicalJson } from '../../src/grading/canonical-json.js'
import { readBundleFile } from '../../src/grading/read-bundles.js'
import type { ResultBundle } from '../../src/grading/result.js'
import { sampleBundle } from '../helpers/result-bundles.js'

t.test('canonical JSON sorts keys at every level and keeps array order', async (t) => {
  t.equal(canonicalJson({ b: 1, a: [{ y: 2, x: 'é' }, 3], c: undefined }), '{"a":[{"x":"é","y":2},3],"b":1}')
  t.equal(canonicalJson({ z: { b: 1, a: 2 } }), canonicalJson(JSON.parse('{"z":{"a":2,"b":1}}')))
})

t.test('makeBundle computes the total and a digest that verifies', async (t) => {
  const b = sampleBundle({ student: 'alice', passed: [[true, false], [true, true, true], [false]] })
  t.equal(b.format, 'vmlab-result/1')
  t.same(b.total, { score: 2 + 3 + 0, max: 3 + 3 + 2 })
  t.match(b.digest, /^[0-9a-f]{64}$/)
  t.same(verifyBundle(b), { ok: true })
})

t.test('the digest does not depend on key order: a file re-saved with other key order still verifies', async (t) => {
  const b = sampleBundle({ student: 'alice' })
  const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(b).reverse()))) as ResultBundle
  t.not(JSON.stringify(reordered), JSON.stringify(b))
  t.equal(bundleDigest(reordered), b.digest)
  t.same(verifyBundle(reordered), { ok: true })
})

t.test('a bundle edited by hand is found out', async (t) => {
  const b = sampleBundle({ student: 'alice', passed: [[false, false]] })
  const score = structuredClone(b)
  score.exercises[0]!.score = 3
  t.match(verifyBundle(score), { ok: false, why: /digest does not match/ })
  const flipped = structuredClone(b)
  flipped.exercises[0]!.checks[0]!.passed = true
  t.match(verifyBundle(flipped), { ok: false, why: /digest does not match/ })
  const student = structuredClone(b)
  student.student = 'bob'
  t.match(verifyBundle(student), { ok: false, why: /digest does not match/ })
  // Sealed again after the edit (the same code run by hand): the sums still give it away when the total was not fixed.
  const resealed = structuredClone(score)
  resealed.digest = bundleDigest(resealed)
  t.match(verifyBundle(resealed), { ok: false, why: /exercise \S+ scores 3\/\d+, but its checks give 0\/\d+/ })
  // Both the exercise's score and the total made to agree: the checks' points still give it away.
  const agreed = structuredClone(score)
  agreed.total.score = agreed.exercises.reduce((n, e) => n + e.score, 0)
  agreed.digest = bundleDigest(agreed)
  t.match(verifyBundle(agreed), { ok: false, why: /but its checks give 0\// })
  // A total edited alone, the exercises left as they were.
  const total = structuredClone(b)
  total.total.score += 1
  total.digest = bundleDigest(total)
  t.match(verifyBundle(total), { ok: false, why: new RegExp(`total ${b.total.score + 1}/\\d+ is not the sum of its exercises \\(${b.total.score}/`) })
})

t.test('redact replaces a password a node printed, everywhere in the checks, and seals again', async (t) => {
  const password = 'S3cret-pw!'
  const b = sampleBundle({ student: 'alice', passed: [[false]], found: `login failed for admin:${password} (exit 1)` })
  t.match(JSON.stringify(b), password, 'the sample holds it')
  const clean = redact(b, [password, ''])
  t.notMatch(JSON.stringify(clean), password)
  t.equal(clean.exercises[0]!.checks[0]!.outcomes[0]!.found, 'login failed for admin:*** (exit 1)')
  t.same(verifyBundle(clean), { ok: true })
  t.not(clean.digest, b.digest)
  t.equal(clean.student, 'alice')
})

t.test('writeBundle: a 0600 file named lab-student-time in a folder made 0700, read back the same', async (t) => {
  const dir = join(t.testdir({}), 'out', 'bundles')
  const b = sampleBundle({ student: 'alice@example.com', at: '2026-12-01T10:02:03.456Z' })
  const path = await writeBundle(dir, b)
  t.equal(path, join(dir, 'swarm-course-alice@example.com-20261201T100203.vmlab-result.json'))
  t.equal(statSync(path).mode & 0o777, 0o600)
  t.equal(statSync(dir).mode & 0o777, 0o700)
  t.same(readdirSync(dir), ['swarm-course-alice@example.com-20261201T100203.vmlab-result.json'], 'no temporary file left')
  t.same(JSON.parse(readFileSync(path, 'utf8')), b)
  t.same(await readBundleFile(path), { bundle: b })
})

t.test('a student id cannot put the file elsewhere', async (t) => {
  t.equal(bundleFileName({ lab: 'l', student: '../../etc/x y', at: '2026-01-02T03:04:05Z' }), 'l-__.._etc_x_y-20260102T030405.vmlab-result.json')
  t.equal(bundleFileName({ lab: 'l', student: '..', at: '2026-01-02T03:04:05Z' }), 'l-_-20260102T030405.vmlab-result.json')
})

t.test('makeBundle takes the format or leaves it out', async (t) => {
  const b = sampleBundle({ student: 'a' })
  const { digest: _d, total: _t, ...fields } = b
  t.same(makeBundle(fields), b)
  const { format: _f, ...noFormat } = fields
  t.same(makeBundle(noFormat), b)
})
