#!/usr/bin/env node
// Builds labs/images/busybox-rootfs.tar: a container root file system from the host's static busybox,
// with a web page, so the test bed's swarm service and overlay run with no registry (`docker import`).
// Usage: node scripts/busybox-image.mjs [out.tar]   (needs Debian's busybox-static and tar)
import { execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, copyFileSync, symlinkSync, writeFileSync, rmSync, chmodSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = process.argv[2] ?? join(root, 'labs', 'images', 'busybox-rootfs.tar')
const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p))
if (!busybox) {
  console.error('error: no static busybox on this machine\nhint: apt-get install busybox-static')
  process.exit(2)
}
const dir = mkdtempSync(join(tmpdir(), 'vmlab-busybox-'))
try {
  for (const d of ['bin', 'www', 'tmp', 'etc']) mkdirSync(join(dir, d))
  copyFileSync(busybox, join(dir, 'bin', 'busybox'))
  chmodSync(join(dir, 'bin', 'busybox'), 0o755)
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .filter((a) => a && a !== 'busybox')
  for (const a of applets) symlinkSync('busybox', join(dir, 'bin', a))
  writeFileSync(join(dir, 'www', 'index.html'), '<!DOCTYPE html>\n<title>vmlab test page</title>\n<h1>Hello from the vmlab swarm</h1>\n<p>Served by busybox httpd in a swarm service.</p>\n')
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\n')
  mkdirSync(dirname(out), { recursive: true })
  // Fixed owner and times: the same busybox gives the same tarball.
  execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', dir, '-cf', out, '.'])
  console.log(out)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
