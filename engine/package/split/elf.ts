/**
 * Just enough ELF to package a binary: its type, whether it carries symbols or debug info,
 * and its dynamic section's DT_NEEDED, DT_SONAME, DT_RPATH and DT_RUNPATH. Reads the headers
 * and the few sections it needs, never the whole file; no objdump.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export type ElfType = 'rel' | 'exec' | 'dyn' | 'core' | 'other';

export interface ElfInfo {
  readonly type: ElfType;
  readonly needed: readonly string[];
  readonly soname?: string;
  readonly rpath: readonly string[];
  readonly runpath: readonly string[];
  /** Section names, in file order. */
  readonly sections: readonly string[];
}

const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_SONAME = 14n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;
const SHT_DYNAMIC = 6;

class Reader {
  constructor(
    readonly buf: Buffer,
    readonly is64: boolean,
    readonly le: boolean,
  ) {}
  u16(o: number): number {
    return this.le ? this.buf.readUInt16LE(o) : this.buf.readUInt16BE(o);
  }
  u32(o: number): number {
    return this.le ? this.buf.readUInt32LE(o) : this.buf.readUInt32BE(o);
  }
  /** An address-sized field as a bigint (d_tag, d_val). */
  word(o: number): bigint {
    if (!this.is64) return BigInt(this.u32(o));
    return this.le ? this.buf.readBigUInt64LE(o) : this.buf.readBigUInt64BE(o);
  }
  /** An offset or size: a number (files beyond 2^53 bytes do not exist here). */
  off(o: number): number {
    return Number(this.word(o));
  }
}

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

const cString = (buf: Buffer, at: number): string => {
  const end = buf.indexOf(0, at);
  return buf.toString('latin1', at, end < 0 ? buf.length : end);
};

const TYPES: Readonly<Record<number, ElfType>> = { 1: 'rel', 2: 'exec', 3: 'dyn', 4: 'core' };

interface Section {
  readonly name: number;
  readonly type: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
}

/** The ELF facts of `path`, or undefined when it is not an ELF file (or is truncated). */
export function readElf(path: string): ElfInfo | undefined {
  const fd = openSync(path, 'r');
  try {
    const ident = readAt(fd, 0, 64);
    if (ident.length < 52 || ident.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const is64 = ident[4] === 2;
    const r = new Reader(ident, is64, ident[5] !== 2);
    const type = TYPES[r.u16(16)] ?? 'other';
    const shoff = is64 ? r.off(0x28) : r.u32(0x20);
    const shentsize = r.u16(is64 ? 0x3a : 0x2e);
    const shnum = r.u16(is64 ? 0x3c : 0x30);
    const shstrndx = r.u16(is64 ? 0x3e : 0x32);
    if (shoff === 0 || shnum === 0) return { type, needed: [], rpath: [], runpath: [], sections: [] };
    const table = new Reader(readAt(fd, shoff, shentsize * shnum), is64, r.le);
    const sections: Section[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = i * shentsize;
      if (o + shentsize > table.buf.length) return undefined;
      sections.push({
        name: table.u32(o),
        type: table.u32(o + 4),
        offset: is64 ? table.off(o + 0x18) : table.u32(o + 0x10),
        size: is64 ? table.off(o + 0x20) : table.u32(o + 0x14),
        link: table.u32(o + (is64 ? 0x28 : 0x18)),
      });
    }
    const load = (s: Section | undefined): Buffer => (s ? readAt(fd, s.offset, s.size) : Buffer.alloc(0));
    const shstr = load(sections[shstrndx]);
    const names = sections.map((s) => (s.name < shstr.length ? cString(shstr, s.name) : ''));
    const needed: string[] = [];
    const rpath: string[] = [];
    const runpath: string[] = [];
    let soname: string | undefined;
    const dynamic = sections.find((s) => s.type === SHT_DYNAMIC);
    if (dynamic) {
      const dyn = new Reader(load(dynamic), is64, r.le);
      const strtab = load(sections[dynamic.link]);
      const str = (v: bigint): string => (v < BigInt(strtab.length) ? cString(strtab, Number(v)) : '');
      const entry = is64 ? 16 : 8;
      for (let o = 0; o + entry <= dyn.buf.length; o += entry) {
        const tag = dyn.word(o);
        const val = dyn.word(o + entry / 2);
        if (tag === DT_NULL) break;
        if (tag === DT_NEEDED) needed.push(str(val));
        else if (tag === DT_SONAME) soname = str(val);
        else if (tag === DT_RPATH) rpath.push(...str(val).split(':').filter((p) => p !== ''));
        else if (tag === DT_RUNPATH) runpath.push(...str(val).split(':').filter((p) => p !== ''));
      }
    }
    return { type, needed, ...(soname === undefined ? {} : { soname }), rpath, runpath, sections: names };
  } finally {
    closeSync(fd);
  }
}

/** Whether a binary still has something to strip: symbols or debug sections. */
export const hasDebugOrSymbols = (elf: ElfInfo): boolean => elf.sections.some((s) => s === '.symtab' || s.startsWith('.debug_'));
