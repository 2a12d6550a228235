/**
 * Python's glob.glob (non-recursive) and fnmatch, over a directory-listing callback, so that
 * BBFILES patterns select exactly the files BitBake selects.
 */

export interface DirReader {
  /** Entry names of a directory, or undefined when it is not one. */
  list(dir: string): readonly string[] | undefined;
  exists(path: string): boolean;
}

const MAGIC = /[*?[]/;

/** fnmatch.translate for one path component. */
function componentRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) re += '\\[';
      else {
        let body = pattern.slice(i + 1, j).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = '^' + body.slice(1);
        else if (body.startsWith('^') || body.startsWith('[')) body = '\\' + body;
        re += `[${body}]`;
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\\]/]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 's');
}

export function glob(pattern: string, fs: DirReader): string[] {
  if (!MAGIC.test(pattern)) return fs.exists(pattern) ? [pattern] : [];
  const slash = pattern.lastIndexOf('/');
  const dirPart = slash < 0 ? '' : pattern.slice(0, slash) || '/';
  const base = pattern.slice(slash + 1);
  const dirs = dirPart === '' ? [''] : MAGIC.test(dirPart) ? glob(dirPart, fs) : [dirPart];
  const out: string[] = [];
  for (const dir of dirs) {
    const join = (name: string): string => (dir === '' ? name : dir.endsWith('/') ? dir + name : `${dir}/${name}`);
    if (!MAGIC.test(base)) {
      if (base === '' ? fs.list(dir) !== undefined : fs.exists(join(base))) out.push(join(base));
      continue;
    }
    const names = fs.list(dir === '' ? '.' : dir);
    if (!names) continue;
    const re = componentRegex(base);
    for (const name of names) {
      if (name.startsWith('.') && !base.startsWith('.')) continue;
      if (re.test(name)) out.push(join(name));
    }
  }
  return out;
}
