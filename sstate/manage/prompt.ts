/** The y/n confirmation: one line from `input`; end of input or an abort means no. */
import { createInterface } from 'node:readline';

export function askYesNo(input: NodeJS.ReadableStream, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, terminal: false });
    let answered = false;
    const finish = (yes: boolean): void => {
      if (answered) return;
      answered = true;
      signal?.removeEventListener('abort', onAbort);
      rl.close();
      resolve(yes);
    };
    const onAbort = (): void => finish(false);
    signal?.addEventListener('abort', onAbort, { once: true });
    rl.once('line', (line) => finish(/^(y|yes)$/i.test(line.trim())));
    rl.once('close', () => finish(false));
  });
}
