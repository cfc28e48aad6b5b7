// Departments (ring groups): members rung all at once or one after another, ring times and
// where an unanswered call goes.
import { html } from '../html.js';
import { ListPage, saveEntry } from '../crud.js';
import {
  useForm, Actions, DestinationPicker, OrderedPicker, useTargets, destBody, destText, num, txt,
} from '../forms.js';

const PATH = '/api/v1/departments';
const keyOf = (d) => d.number;

function DepartmentForm({ item, onDone, onCancel }) {
  const f = useForm({
    number: item ? item.number : '', name: item ? item.name : '',
    strategy: item ? item.strategy : 'ring_all', members: item ? [...item.members] : [],
    ring_time: txt(item ? item.ring_time : 20), total_ring_time: txt(item && item.total_ring_time),
    no_answer: item ? item.no_answer : { type: 'hangup' },
  }, {
    listName: 'departments',
    save: (v) => {
      const body = {
        number: v.number.trim(), name: v.name, strategy: v.strategy, members: v.members,
        no_answer: destBody(v.no_answer),
      };
      const ring = num(v.ring_time);
      if (ring !== null) body.ring_time = ring;
      const total = num(v.total_ring_time);
      if (total !== null) body.total_ring_time = total;
      return saveEntry(PATH, item, keyOf, body, onDone);
    },
  });
  const targets = useTargets();
  const { F, input, select, values } = f;
  return html`<form class="card form" id="department-form" onSubmit=${f.submit} novalidate>
    <h2>${item ? `Department ${item.number}` : 'New department'}</h2>
    <div class="grid">
      ${F('Number', 'number', input('number', 'text', { readonly: !!item, inputmode: 'numeric', autocomplete: 'off' }),
        { hint: 'Inside the department range (default 0400–0435)' })}
      ${F('Name', 'name', input('name'))}
      ${F('Strategy', 'strategy', select('strategy', [['ring_all', 'Ring all at once'], ['linear', 'One after another']]))}
      ${F('Members, in order', 'members', html`<${OrderedPicker} name="members" value=${values.members}
        options=${targets.extension || []} label="member" onChange=${(m) => f.set('members', m)} />`, { prefix: true })}
      ${F('Ring time (s)', 'ring_time', input('ring_time', 'number'), { hint: 'Each member (linear) or everyone; 5–600' })}
      ${F('Total ring time (s)', 'total_ring_time', input('total_ring_time', 'number'), { hint: 'Blank: no cap; 5–3600' })}
      ${F('If nobody answers', 'no_answer', html`<${DestinationPicker} name="no_answer" value=${values.no_answer}
        targets=${targets} onChange=${(d) => f.set('no_answer', d)} />`, { prefix: true })}
    </div>
    ${f.rest()}
    <${Actions} busy=${f.busy} creating=${!item} onCancel=${onCancel} />
  </form>`;
}

export function Departments() {
  const columns = [
    { label: 'Number', col: 'number', value: (d) => d.number },
    { label: 'Name', col: 'name', value: (d) => d.name },
    { label: 'Strategy', col: 'strategy', value: (d) => (d.strategy === 'linear' ? 'linear' : 'ring all') },
    { label: 'Members', col: 'members', value: (d) => d.members.join(', ') },
    { label: 'Ring time', col: 'ring_time', value: (d) => d.ring_time },
    { label: 'No answer', col: 'no_answer', value: (d) => destText(d.no_answer) },
  ];
  return html`<${ListPage} id="departments" title="Departments" what="department" path=${PATH}
    keyOf=${keyOf} columns=${columns} Form=${DepartmentForm} />`;
}
