// A virtual machine as its .vmx describes it: where its files are and which disks, CD-ROM
// images and network cards it has. The .vmx is a real file written by the lab tool, so it is
// read (and refused when malformed) exactly as VMware would open it.

import fs from 'node:fs'
import path from 'node:path'
import { Dictionary, DictionarySyntaxError } from './dictionary.mjs'
import { errors } from './vmrun-errors.mjs'

const DEVICE = /^((?:scsi|sata|ide|nvme)\d+:\d+)\.filename$/i

export class VmConfig {
  /**
   * @param {string} vmxPath absolute path of the .vmx
   * @param {string} shown   the path as the caller spelled it, which vmrun repeats in messages
   */
  constructor(vmxPath, dict, shown = vmxPath) {
    this.vmx = vmxPath
    this.shown = shown
    this.dir = path.dirname(vmxPath)
    this.base = path.basename(vmxPath, path.extname(vmxPath))
    this.dict = dict
  }

  /** Opens a .vmx like VixHost_OpenVM: missing file, wrong suffix and bad syntax are errors. */
  static open(shown) {
    if (path.extname(shown).toLowerCase() !== '.vmx') throw errors.unknownSuffix(shown)
    const vmxPath = path.resolve(shown)
    let text
    try {
      text = fs.readFileSync(vmxPath, 'utf8')
    } catch {
      throw errors.vmNotFound(shown)
    }
    try {
      return new VmConfig(vmxPath, Dictionary.parse(text), shown)
    } catch (error) {
      if (error instanceof DictionarySyntaxError) throw errors.cannotReadConfig(shown)
      throw error
    }
  }

  save() {
    fs.writeFileSync(this.vmx, this.dict.toString())
  }

  /** A file named in the .vmx: absolute, or relative to the VM's folder. */
  resolve(fileName) {
    return path.resolve(this.dir, fileName)
  }

  file(ext) {
    return path.join(this.dir, `${this.base}${ext}`)
  }

  get vmsd() {
    return this.file('.vmsd')
  }

  #present(node) {
    const controller = node.split(':')[0]
    return this.dict.get(`${controller}.present`)?.toUpperCase() !== 'FALSE' && this.dict.get(`${node}.present`)?.toUpperCase() !== 'FALSE'
  }

  #devices() {
    return this.dict
      .entries(DEVICE)
      .map(([key, fileName]) => ({ node: DEVICE.exec(key)[1], fileName }))
      .filter((d) => this.#present(d.node))
  }

  /** Hard disks: devices whose file is a .vmdk and that are not CD-ROMs. */
  disks() {
    return this.#devices().filter((d) => d.fileName.toLowerCase().endsWith('.vmdk') && !/^cdrom/i.test(this.dict.get(`${d.node}.deviceType`) ?? ''))
  }

  setDiskFile(node, fileName) {
    this.dict.set(`${node}.fileName`, fileName)
  }

  /** ISO images attached as CD-ROMs that are connected at power-on. */
  cdromImages() {
    return this.#devices().filter((d) => this.dict.get(`${d.node}.deviceType`)?.toLowerCase() === 'cdrom-image' && this.dict.get(`${d.node}.startConnected`)?.toUpperCase() !== 'FALSE')
  }

  /** Present network cards, by slot number. */
  ethernets() {
    return this.dict
      .entries(/^ethernet\d+\.present$/i)
      .filter(([, v]) => v.toUpperCase() === 'TRUE')
      .map(([key]) => Number(/^ethernet(\d+)/i.exec(key)[1]))
  }

  displayName() {
    return this.dict.get('displayName') ?? this.base
  }
}
