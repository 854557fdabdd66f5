#!/usr/bin/env node
// Builds labs/course/images/registry.tar: the distribution registry (Debian's docker-registry package) as an
// image in `docker save` form, so the course's registry exercises run under QEMU with no Docker Hub. It
// behaves as registry:2 does for the course: port 5000, its data in the volume /var/lib/registry, no auth.
// Usage: node scripts/registry-image.mjs [out.tar] [image name]   (needs Debian's docker-registry and tar)
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, readFileSync, rmSync, chmodSync, existsSync, realpathSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = process.argv[2] ?? join(root, 'labs', 'course', 'images', 'registry.tar')
const name = process.argv[3] ?? 'vmlab/registry:2'
const binary = '/usr/bin/docker-registry'
if (!existsSync(binary)) {
  console.error(`error: ${binary} is missing on this machine\nhint: apt-get install docker-registry (Debian's build of the distribution registry)`)
  process.exit(2)
}

const CONFIG = `version: 0.1
log:
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: true
http:
  addr: :5000
`

const work = mkdtempSync(join(tmpdir(), 'vmlab-registry-'))
try {
  const fs = join(work, 'rootfs')
  for (const d of ['bin', 'etc/docker/registry', 'var/lib/registry', 'tmp', 'lib64', 'lib/x86_64-linux-gnu']) mkdirSync(join(fs, d), { recursive: true })
  copyFileSync(binary, join(fs, 'bin', 'registry'))
  chmodSync(join(fs, 'bin', 'registry'), 0o755)
  // The Debian build links libc dynamically: the image brings the host's, at the paths the binary asks for.
  const libs = execFileSync('ldd', [binary], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /(\/\S+) \(0x/.exec(l)?.[1])
    .filter(Boolean)
  for (const lib of libs) {
    mkdirSync(join(fs, dirname(lib)), { recursive: true })
    copyFileSync(realpathSync(lib), join(fs, lib))
  }
  writeFileSync(join(fs, 'etc', 'docker', 'registry', 'config.yml'), CONFIG)
  writeFileSync(join(fs, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/registry\n')

  const image = join(work, 'image')
  mkdirSync(image)
  // Fixed owner and times: the same package gives the same image.
  execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', fs, '-cf', join(image, 'layer.tar'), '.'])
  const layer = createHash('sha256')
    .update(readFileSync(join(image, 'layer.tar')))
    .digest('hex')
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: '1970-01-01T00:00:00Z',
    config: {
      Entrypoint: ['/bin/registry'],
      Cmd: ['serve', '/etc/docker/registry/config.yml'],
      ExposedPorts: { '5000/tcp': {} },
      Volumes: { '/var/lib/registry': {} },
    },
    rootfs: { type: 'layers', diff_ids: [`sha256:${layer}`] },
    history: [{ created: '1970-01-01T00:00:00Z', created_by: 'vmlab scripts/registry-image.mjs from Debian docker-registry' }],
  })
  const configId = createHash('sha256').update(config).digest('hex')
  writeFileSync(join(image, `${configId}.json`), config)
  writeFileSync(join(image, 'manifest.json'), JSON.stringify([{ Config: `${configId}.json`, RepoTags: [name], Layers: ['layer.tar'] }]))
  mkdirSync(dirname(out), { recursive: true })
  execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', image, '-cf', out, '.'])
  console.log(out)
} finally {
  rmSync(work, { recursive: true, force: true })
}
