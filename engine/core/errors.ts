/** Where a piece of metadata came from. `line` is 1-based; 0 means "the file as a whole". */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
}

/**
 * Every error tsbake reports on purpose. `code` is stable (tests and scripts match on it);
 * the text is formatted once, by `formatError` in diagnostic.ts, at the CLI edge.
 */
export abstract class TsbakeError extends Error {
  abstract readonly code: string;
  constructor(
    message: string,
    public where?: SourceLocation,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** `e` with `where` as its location when it has none yet (the caller knows the line). */
export function locate(e: unknown, where: SourceLocation): unknown {
  if (e instanceof TsbakeError && e.where === undefined) e.where = where;
  return e;
}

/** A line of metadata that does not parse. */
export class ParseError extends TsbakeError {
  readonly code = 'E_PARSE';
}

/** A file that `require`, `inherit` or the configuration needs and that cannot be found. */
export class MissingFileError extends TsbakeError {
  readonly code = 'E_MISSING_FILE';
}

/** Expanding a variable failed: a reference cycle or an exception in inline Python. */
export class ExpansionError extends TsbakeError {
  readonly code = 'E_EXPANSION';
  /** The variables whose expansion led to the failure, innermost first. */
  readonly chain: string[];
  readonly #base: string;
  constructor(message: string, variable: string | undefined, where?: SourceLocation) {
    super(message, where);
    this.#base = message;
    this.chain = variable ? [variable] : [];
  }
  /** Records an outer variable; the message then shows the whole chain, as BitBake's does. */
  addVariable(name: string | undefined): void {
    if (!name || this.chain[this.chain.length - 1] === name) return;
    this.chain.push(name);
    this.message = `${this.#base}\nThe variable dependency chain for the failure is: ${this.chain.join(' -> ')}`;
  }
}

/** Inline Python raised, or the python3 worker failed. */
export class PythonError extends TsbakeError {
  readonly code = 'E_PYTHON';
  constructor(
    message: string,
    readonly pythonType: string,
    where?: SourceLocation,
  ) {
    super(message, where);
  }
}

/** A recipe asked to be skipped (`raise bb.parse.SkipRecipe`). Not an error for the user. */
export class SkipRecipe extends TsbakeError {
  readonly code = 'E_SKIP_RECIPE';
}

/** Layer and collection configuration that BitBake refuses (dangling bbappends, bad BBLAYERS). */
export class LayerError extends TsbakeError {
  readonly code = 'E_LAYER';
}

/** A command-line mistake. */
export class UsageError extends TsbakeError {
  readonly code = 'E_USAGE';
}

/** A request about recipes that cannot be answered (no such recipe, no provider). */
export class RecipeLookupError extends TsbakeError {
  readonly code = 'E_RECIPE_LOOKUP';
}

/** Raised by `bb.fatal` or a failing task set-up; the message has already been reported. */
export class FatalError extends TsbakeError {
  readonly code = 'E_FATAL';
}

/** The task graph cannot be built: a dependency cycle, or a task that does not exist. */
export class GraphError extends TsbakeError {
  readonly code = 'E_GRAPH';
}

/** Ctrl-C or SIGTERM stopped a wait; the CLI exits 130 or 143. */
export class InterruptedError extends TsbakeError {
  readonly code = 'E_INTERRUPTED';
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}
