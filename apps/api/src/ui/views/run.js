/** Run workflow: pick a definition, give the input and a Task to Domain map, start it. */
import { ApiError, api, fieldErrorsOf, rememberRun } from '../api.js';
import { h, replace } from '../dom.js';
import { fieldErrorList, parseObject } from '../forms.js';

export function renderRun(container) {
  let alive = true;
  const select = h('select', { id: 'definition', name: 'definition', required: true, disabled: true }, h('option', { value: '' }, 'Loading definitions…'));
  const tasksHint = h('p', { className: 'hint', id: 'definition-tasks' });
  const input = h('textarea', { id: 'input', name: 'input', rows: 5, spellcheck: 'false', 'aria-describedby': 'input-hint' });
  input.value = '{}';
  const taskToDomain = h('textarea', {
    id: 'task-to-domain',
    name: 'taskToDomain',
    rows: 4,
    spellcheck: 'false',
    placeholder: '{"hello_world": "doug"}',
    'aria-describedby': 'task-to-domain-hint',
  });
  const errors = h('div', { id: 'form-errors', className: 'form-errors', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', id: 'start', disabled: true }, 'Start workflow');
  let definitions = [];

  const form = h(
    'form',
    { id: 'run-form', className: 'card form', novalidate: true, onsubmit: (event) => start(event) },
    h('label', { for: 'definition' }, 'Workflow definition'),
    select,
    tasksHint,
    h('label', { for: 'input' }, 'Input ', h('span', { className: 'muted' }, '(JSON object)')),
    input,
    h('p', { className: 'hint', id: 'input-hint' }, 'Becomes the workflow input; tasks read it through their inputParameters.'),
    h('label', { for: 'task-to-domain' }, 'Task to Domain ', h('span', { className: 'muted' }, '(JSON object, optional)')),
    taskToDomain,
    h(
      'p',
      { className: 'hint', id: 'task-to-domain-hint' },
      'Keys are task types, or ',
      h('code', {}, '*'),
      ' for all. A value lists domains tried left to right: the first with a live worker wins. ',
      h('code', {}, 'NO_DOMAIN'),
      ' (last only) falls back to the default queue; without it the task waits in the last domain’s queue. Leave empty to use the default queues.',
    ),
    errors,
    h('div', { className: 'actions' }, submit),
  );

  container.append(
    h('section', { className: 'page-head' }, h('h1', {}, 'Run workflow'), h('p', { className: 'muted' }, 'Starts a run of a registered definition (POST /api/workflow) and opens its execution.')),
    form,
  );

  select.addEventListener('change', () => showTasks());
  load();

  async function load() {
    try {
      const list = await api.workflowDefinitions();
      if (!alive) return;
      definitions = (Array.isArray(list) ? list : []).sort((a, b) => a.name.localeCompare(b.name) || b.version - a.version);
      if (definitions.length === 0) {
        replace(select, h('option', { value: '' }, 'No workflow definitions registered'));
        showErrors(['Register a definition first (POST /api/metadata/workflow, see the README’s quickstart).']);
        return;
      }
      replace(
        select,
        h('option', { value: '' }, 'Choose a definition…'),
        definitions.map((def, index) => h('option', { value: String(index) }, `${def.name} · v${def.version}`)),
      );
      select.disabled = false;
      submit.disabled = false;
      showTasks();
    } catch (error) {
      if (alive) showErrors([`Could not load the workflow definitions: ${error.message}`]);
    }
  }

  function chosen() {
    return select.value === '' ? undefined : definitions[Number(select.value)];
  }

  function showTasks() {
    const def = chosen();
    if (def === undefined) {
      replace(tasksHint);
      return;
    }
    const tasks = Array.isArray(def.tasks) ? def.tasks : [];
    replace(
      tasksHint,
      tasks.length === 0 ? 'No tasks.' : 'Tasks: ',
      tasks.map((task, index) => [index > 0 ? ', ' : '', h('code', {}, task.taskReferenceName ?? task.name), task.name && task.name !== task.taskReferenceName ? ` (type ${task.name})` : '']),
    );
  }

  async function start(event) {
    event.preventDefault();
    clearErrors();
    const def = chosen();
    const problems = [];
    if (def === undefined) problems.push({ field: 'definition', reason: 'choose a workflow definition', control: select });
    const parsedInput = parseObject(input.value, 'input', input, problems, {});
    const parsedMap = parseObject(taskToDomain.value, 'taskToDomain', taskToDomain, problems, undefined);
    if (problems.length > 0) return showFieldErrors(problems);

    submit.disabled = true;
    submit.textContent = 'Starting…';
    try {
      const workflowId = await api.startWorkflow({
        name: def.name,
        version: def.version,
        input: parsedInput,
        ...(parsedMap === undefined ? {} : { taskToDomain: parsedMap }),
      });
      rememberRun({ workflowId, workflowName: def.name, version: def.version, startedAt: Date.now() });
      location.hash = `#/execution/${encodeURIComponent(workflowId)}`;
    } catch (error) {
      if (!alive) return;
      const fieldErrors = fieldErrorsOf(error);
      if (fieldErrors.length > 0) {
        showFieldErrors(fieldErrors.map((problem) => ({ ...problem, control: controlFor(problem.field) })));
      } else {
        showErrors([error instanceof ApiError ? `${error.status}: ${error.message}` : `Could not start the workflow: ${error.message}`]);
      }
    } finally {
      if (alive) {
        submit.disabled = false;
        submit.textContent = 'Start workflow';
      }
    }
  }

  function controlFor(field) {
    if (field === 'taskToDomain' || field.startsWith('taskToDomain.') || field.startsWith('taskToDomain[')) return taskToDomain;
    if (field === 'input' || field.startsWith('input.')) return input;
    if (field === 'name' || field === 'version') return select;
    return undefined;
  }

  function clearErrors() {
    errors.hidden = true;
    replace(errors);
    for (const control of [select, input, taskToDomain]) control.removeAttribute('aria-invalid');
  }

  function showErrors(messages) {
    errors.hidden = false;
    replace(errors, h('ul', {}, messages.map((message) => h('li', {}, message))));
  }

  function showFieldErrors(problems) {
    errors.hidden = false;
    replace(
      errors,
      h('p', {}, problems.length === 1 ? 'The workflow was not started:' : `The workflow was not started (${problems.length} problems):`),
      fieldErrorList(problems),
    );
    for (const { control } of problems) control?.setAttribute('aria-invalid', 'true');
    problems.find(({ control }) => control !== undefined)?.control.focus();
  }

  return () => {
    alive = false;
  };
}
