/**
 * Task ids: `<pn>:do_<task>`. Made and taken apart only here. A PN is unique within a build
 * (one provider is chosen per name; BBCLASSEXTEND variants have their own PN).
 */
export type TaskId = string & { readonly __brand: 'TaskId' };

export function taskId(pn: string, task: string): TaskId {
  return `${pn}:${task}` as TaskId;
}

export function splitTaskId(id: TaskId): { pn: string; task: string } {
  const i = id.lastIndexOf(':');
  return { pn: id.slice(0, i), task: id.slice(i + 1) };
}
