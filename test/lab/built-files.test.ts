import t from 'tap'
import { join } from 'node:path'
import { madeByScript } from '../../src/lab/lab-files.js'
import { packagePath } from '../../src/util/package-root.js'

// A newcomer who runs `lab up debian-swarm` before building its image is told the script, not "put the file there".
t.test('a shipped lab file that is built here names the script that builds it', async (t) => {
  t.match(
    madeByScript(packagePath('labs', 'images', 'busybox-rootfs.tar')),
    /^this file of a shipped lab is built on this machine: run `node scripts\/busybox-image\.mjs` in .* \(it needs Debian's busybox-static and tar\)/,
  )
  t.match(madeByScript(packagePath('labs', 'course', 'images', 'registry.tar')), /run `node scripts\/registry-image\.mjs labs\/course\/images\/registry\.tar`.*docker-registry/)
  t.equal(madeByScript(join('/tmp', 'my-lab', 'images', 'busybox-rootfs.tar')), undefined, "a teacher's own lab: the usual hint")
})
