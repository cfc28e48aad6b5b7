// The blacklist: numbers (dial patterns) that may not call in, be called, or both.
// Whitelists are per extension and live on the Routing options page.
import { html } from '../html.js';
import { ListPage, saveEntry } from '../crud.js';
import { useForm, Actions } from '../forms.js';

const PATH = '/api/v1/blacklist';
const keyOf = (b) => b.pattern;
const DIRECTIONS = [['inbound', 'Calls from the number'], ['outbound', 'Calls to the number'], ['both', 'Both']];

function BlacklistForm({ item, onDone, onCancel }) {
  const f = useForm({
    pattern: item ? item.pattern : '', direction: item ? item.direction : 'inbound', note: item ? item.note : '',
  }, {
    listName: 'blacklist',
    save: (v) => saveEntry(PATH, item, keyOf,
      { pattern: v.pattern.trim(), direction: v.direction, note: v.note }, onDone),
  });
  const { F, input, select } = f;
  return html`<form class="card form" id="blacklist-form" onSubmit=${f.submit} novalidate>
    <h2>${item ? `Blacklist entry ${item.pattern}` : 'New blacklist entry'}</h2>
    <div class="grid">
      ${F('Number or pattern', 'pattern', input('pattern', 'text', { readonly: !!item, autocomplete: 'off' }),
        { hint: 'e.g. 0301234567 or _0900.' })}
      ${F('Blocks', 'direction', select('direction', DIRECTIONS))}
      ${F('Note', 'note', input('note'), { wide: true })}
    </div>
    ${f.rest()}
    <${Actions} busy=${f.busy} creating=${!item} onCancel=${onCancel} />
  </form>`;
}

export function Blacklist() {
  const columns = [
    { label: 'Pattern', col: 'pattern', cls: 'mono', value: (b) => b.pattern },
    { label: 'Blocks', col: 'direction', value: (b) => b.direction },
    { label: 'Note', col: 'note', cls: 'name', value: (b) => b.note },
  ];
  return html`<${ListPage} id="blacklist" title="Blacklist" what="blacklist entry" path=${PATH}
    keyOf=${keyOf} columns=${columns} Form=${BlacklistForm} newLabel="Block a number" />`;
}
