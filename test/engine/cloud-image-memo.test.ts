/** The remembered hash of the lab's cloud image is a cache: a damaged one is hashed again and replaced, not a crash. */
import t from 'tap'
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { cloudImageRef } from '../../src/engine/cloud-image.js'
import { IMAGE_MEMO } from '../../src/lab/image-file.js'

t.test('a memo cut off by a full disk, or not JSON at all: the image is hashed again and the memo rewritten', async (t) => {
  for (const damaged of ['{"path": "/x", "sha2', 'null', '']) {
    const dir = t.testdir({ 'cloud.qcow2': 'QFI\xfb and the rest' })
    const state = join(dir, '.lab', 'cloud')
    mkdirSync(state, { recursive: true })
    writeFileSync(join(state, IMAGE_MEMO), damaged)
    const ref = await cloudImageRef(join(dir, 'cloud.qcow2'), state)
    t.match(ref.sha256, /^[0-9a-f]{64}$/, `${JSON.stringify(damaged)}: hashed`)
    t.match(JSON.parse(readFileSync(join(state, IMAGE_MEMO), 'utf8')), { path: join(dir, 'cloud.qcow2'), sha256: ref.sha256 }, 'and remembered anew')
  }
})
