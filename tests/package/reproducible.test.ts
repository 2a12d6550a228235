import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Compression } from '../../engine/package/archive/compression.js';
import { createDebWriter } from '../../engine/package/deb/writer.js';
import { createIpkWriter } from '../../engine/package/ipk/writer.js';
import type { PackageWriter } from '../../engine/package/model/writer.js';
import { createRpmWriter } from '../../engine/package/rpm/writer.js';
import { createTarWriter } from '../../engine/package/tar/writer.js';
import { BIG_PAYLOAD, makeFixture, writePackage } from './fixture.js';

const sha256 = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');

for (const compression of [{ kind: 'zstd', level: 3 }, { kind: 'gzip', level: 9 }] as Compression[]) {
  test(`the same spec and payload in two directories give byte-identical packages in all four formats (${compression.kind})`, async (t) => {
    const top = await mkdtemp(join(tmpdir(), 'tsbake-repro-'));
    const short = join(top, 'a');
    const long = join(top, 'a-much-longer-build-directory-name', 'with', 'more', 'components');
    await mkdir(long, { recursive: true });
    const writers: PackageWriter[] = [
      createDebWriter({ dpkgArch: 'amd64', compression }),
      createRpmWriter({ compression }),
      createIpkWriter({ compression }),
      createTarWriter({ compression }),
    ];
    const one = await makeFixture(short, { bigFile: BIG_PAYLOAD + 17 });
    const two = await makeFixture(long, { bigFile: BIG_PAYLOAD + 17 });
    for (const w of writers) {
      const a = await writePackage(w, one, join(short, 'out'));
      const b = await writePackage(w, two, join(long, 'out'));
      t.is(await sha256(a), await sha256(b), `${w.format}: ${a} and ${b} differ`);
    }
  });
}
