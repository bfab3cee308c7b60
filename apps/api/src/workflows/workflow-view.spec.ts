import { conductorTask } from '../conductor/conductor-task';
import { orderRunAtItsChild } from './control-flow-run.test-support';
import { workflowView } from './workflow-view';

describe('workflowView of a run with control flow', () => {
  const { parent, child } = orderRunAtItsChild();
  const view = workflowView(parent, true);
  const task = (reference: string) => {
    const found = view.tasks.find((shown) => shown.referenceTaskName === reference);
    if (found === undefined) throw new Error(`no task ${reference} in the view`);
    return found;
  };

  it('shows system tasks as Conductor does: its task types and definition names, no domain, no callback from a worker', () => {
    expect(view.tasks.map((shown) => [shown.referenceTaskName, shown.taskType, shown.taskDefName, shown.callbackFromWorker, shown.domain])).toEqual([
      ['fork', 'FORK', 'FORK', false, null],
      ['charge', 'charge', 'charge', true, null],
      ['pack', 'pack', 'pack', true, null],
      ['join', 'JOIN', 'JOIN', false, null],
      ['receipt', 'mail', 'mail', true, null],
      ['route', 'SWITCH', 'SWITCH', false, null],
      ['standard', 'SUB_WORKFLOW', 'SUB_WORKFLOW', false, null],
    ]);
  });

  it("gives a SUB_WORKFLOW task its child's id beside it and in its output, and no other task one", () => {
    expect(task('standard')).toMatchObject({ subWorkflowId: child.run.workflowId, outputData: { subWorkflowId: child.run.workflowId }, status: 'IN_PROGRESS' });
    expect(view.tasks.filter((shown) => shown.subWorkflowId !== undefined).map((shown) => shown.referenceTaskName)).toEqual(['standard']);
  });

  it('places each branch task in its fork by branch, and the chosen case in its switch; top-level tasks have no placement', () => {
    expect(task('charge').placement).toEqual({ type: 'FORK_JOIN', taskReferenceName: 'fork', branch: 0 });
    expect(task('receipt').placement).toEqual({ type: 'FORK_JOIN', taskReferenceName: 'fork', branch: 0 });
    expect(task('pack').placement).toEqual({ type: 'FORK_JOIN', taskReferenceName: 'fork', branch: 1 });
    expect(task('standard').placement).toEqual({ type: 'SWITCH', taskReferenceName: 'route', decisionCase: null });
    expect(['fork', 'join', 'route'].map((reference) => task(reference).placement)).toEqual([undefined, undefined, undefined]);
  });

  it('says which case a SWITCH chose (null: the default case, as silver is no decision case), and nothing for other tasks', () => {
    expect(task('route')).toMatchObject({ chosenCase: null, outputData: { evaluationResult: ['silver'] } });
    expect(task('fork').chosenCase).toBeUndefined();
  });

  it("names a child run's parent run and task, and none for a run of its own", () => {
    const childView = workflowView(child, true);
    expect(childView).toMatchObject({ parentWorkflowId: parent.run.workflowId, parentWorkflowTaskId: task('standard').taskId });
    expect(view.parentWorkflowId).toBeUndefined();
    expect(view.parentWorkflowTaskId).toBeUndefined();
  });

  it('keeps a SIMPLE task as workers have it in a poll answer: a callback from its worker, no subWorkflowId', () => {
    const charge = parent.run.tasks.find((attempt) => attempt.referenceTaskName === 'charge');
    if (charge === undefined) throw new Error('no charge task');
    const polled = conductorTask(parent.run, charge);
    expect(polled).toMatchObject({ taskType: 'charge', taskDefName: 'charge', callbackFromWorker: true, queueName: 'charge' });
    expect(JSON.parse(JSON.stringify(polled))).not.toHaveProperty('subWorkflowId');
  });
});
