/** Python's fnmatch.fnmatchcase (`*`, `?`, `[...]`, `[!...]`) over a whole string; PRIVATE_LIBS and find-path use it. */
export function fnmatchRegex(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.').replace(/\[!/g, '[^');
  return new RegExp(`^(?:${re})$`, 's');
}

export const fnmatch = (name: string, pattern: string): boolean => fnmatchRegex(pattern).test(name);
