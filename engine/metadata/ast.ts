/**
 * The statements of a BitBake metadata file, as the parser finds them. Pure data: evaluating
 * them against a datastore is evaluate.ts's job, so one parsed file serves every recipe.
 */
export type AssignOp = '=' | '?=' | '??=' | ':=' | '+=' | '=+' | '.=' | '=.';

interface At {
  readonly line: number;
}

export interface Assign extends At {
  readonly kind: 'assign';
  readonly name: string;
  readonly flag: string | undefined;
  readonly op: AssignOp;
  readonly value: string;
  readonly exported: boolean;
}
export interface Include extends At {
  readonly kind: 'include';
  readonly what: string;
  readonly required: boolean;
}
export interface IncludeAll extends At {
  readonly kind: 'include_all';
  readonly what: string;
}
export interface Export extends At {
  readonly kind: 'export';
  readonly name: string;
}
export interface Unset extends At {
  readonly kind: 'unset';
  readonly name: string;
  readonly flag: string | undefined;
}
/** `name() {` … `}`, with `python` / `fakeroot` prefixes; `__anonymous` for `python () {`. */
export interface Method extends At {
  readonly kind: 'method';
  readonly name: string;
  readonly body: readonly string[];
  readonly python: boolean;
  readonly fakeroot: boolean;
}
/** A `def name(...):` block, kept as text. */
export interface PythonDef extends At {
  readonly kind: 'def';
  readonly name: string;
  readonly body: readonly string[];
}
export interface ExportFunctions extends At {
  readonly kind: 'export_functions';
  readonly functions: readonly string[];
  readonly className: string;
}
export interface AddTask extends At {
  readonly kind: 'addtask';
  readonly tasks: string;
  readonly before: string;
  readonly after: string;
}
export interface DelTask extends At {
  readonly kind: 'deltask';
  readonly tasks: string;
}
export interface AddHandler extends At {
  readonly kind: 'addhandler';
  readonly handlers: readonly string[];
}
export interface Inherit extends At {
  readonly kind: 'inherit';
  readonly classes: string;
  readonly deferred: boolean;
}
export interface AddPyLib extends At {
  readonly kind: 'addpylib';
  readonly libdir: string;
  readonly namespace: string;
}
export interface AddFragments extends At {
  readonly kind: 'addfragments';
  readonly pathPrefix: string;
  readonly variable: string;
  readonly flaggedVariables: string;
  readonly builtinVariable: string;
}

export type Statement =
  | Assign
  | Include
  | IncludeAll
  | Export
  | Unset
  | Method
  | PythonDef
  | ExportFunctions
  | AddTask
  | DelTask
  | AddHandler
  | Inherit
  | AddPyLib
  | AddFragments;

/** Which grammar a file is read with: configuration files cannot hold functions or tasks. */
export type FileKind = 'conf' | 'recipe';

export function fileKind(path: string): FileKind | undefined {
  if (path.endsWith('.conf')) return 'conf';
  if (path.endsWith('.bb') || path.endsWith('.bbclass') || path.endsWith('.inc') || path.endsWith('.bbappend')) return 'recipe';
  return undefined;
}
