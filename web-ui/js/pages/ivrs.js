// IVR menus: the prompt (picked from the audio library, see the Prompts page), what each key
// of the phone pad does, direct extension dialling, timeouts, loop count, and where invalid
// keys and silence lead.
import { html, Link } from '../html.js';
import { ListPage, saveEntry } from '../crud.js';
import {
  useForm, Actions, DestinationPicker, useTargets, useOptions, destBody, destText, errLine, num, txt,
} from '../forms.js';

const PATH = '/api/v1/ivrs';
const keyOf = (i) => i.number;
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#'];

function toForm(i) {
  return {
    number: i ? i.number : '', name: i ? i.name : '', prompt: i ? i.prompt : '',
    keys: i ? Object.entries(i.keys).map(([key, dest]) => ({ key, dest }))
      : [{ key: '1', dest: { type: 'extension', number: '' } }],
    dial_extension: i ? i.dial_extension : true,
    digit_timeout: txt(i ? i.digit_timeout : 3), response_timeout: txt(i ? i.response_timeout : 5),
    loops: txt(i ? i.loops : 3),
    invalid: i ? i.invalid : { type: 'return_to_ivr' }, timeout: i ? i.timeout : { type: 'hangup' },
  };
}

function toBody(v) {
  const keys = {};
  for (const k of v.keys) keys[String(k.key).trim()] = destBody(k.dest);
  const body = {
    number: v.number.trim(), name: v.name, prompt: String(v.prompt).trim(), keys,
    dial_extension: !!v.dial_extension, invalid: destBody(v.invalid), timeout: destBody(v.timeout),
  };
  for (const k of ['digit_timeout', 'response_timeout', 'loops']) {
    const n = num(v[k]);
    if (n !== null) body[k] = n;
  }
  return body;
}

function IvrForm({ item, onDone, onCancel }) {
  const f = useForm(toForm(item), {
    listName: 'ivrs',
    save: (v) => saveEntry(PATH, item, keyOf, toBody(v), onDone),
  });
  const targets = useTargets();
  const prompts = useOptions('/api/v1/prompts', (p) => [p.name, `${p.name} (${(p.duration_ms / 1000).toFixed(1)} s)`]);
  const { F, input, check, values, setRow } = f;
  const free = KEYS.filter((k) => !values.keys.some((r) => r.key === k));
  return html`<form class="card form" id="ivr-form" onSubmit=${f.submit} novalidate>
    <h2>${item ? `IVR ${item.number}` : 'New IVR'}</h2>
    <div class="grid">
      ${F('Number', 'number', input('number', 'text', { readonly: !!item, inputmode: 'numeric', autocomplete: 'off' }),
        { hint: 'Inside the IVR range (default 0600–0635)' })}
      ${F('Name', 'name', input('name'))}
      ${F('Prompt', 'prompt', html`<select id="f-prompt" name="prompt" value=${values.prompt}
          onChange=${(e) => f.set('prompt', e.currentTarget.value)}>
          ${prompts.some((p) => p[0] === values.prompt) ? null
            : html`<option value=${values.prompt}>${values.prompt || '(choose a prompt)'}</option>`}
          ${prompts.map((p) => html`<option value=${p[0]}>${p[1]}</option>`)}</select>`,
        { hint: html`Upload recordings on the <${Link} href="/prompts">Prompts<//> page` })}
      ${F('Loops', 'loops', input('loops', 'number'), { hint: 'Times the prompt plays, 1–10' })}
      ${F('Key timeout (s)', 'digit_timeout', input('digit_timeout', 'number'), { hint: 'Between digits, 1–30' })}
      ${F('Response timeout (s)', 'response_timeout', input('response_timeout', 'number'), { hint: 'After the prompt, 1–60' })}
      ${F('Invalid key', 'invalid', html`<${DestinationPicker} name="invalid" value=${values.invalid} inIvr=${true}
        targets=${targets} onChange=${(d) => f.set('invalid', d)} />`, { prefix: true })}
      ${F('No key pressed', 'timeout', html`<${DestinationPicker} name="timeout" value=${values.timeout} inIvr=${true}
        targets=${targets} onChange=${(d) => f.set('timeout', d)} />`, { prefix: true })}
      <div class="checks">${F('Callers may dial extensions', 'dial_extension', check('dial_extension'))}</div>
      <div class="field wide rows">
        <span class="label">Keys</span>
        <table class="rows" id="ivr-keys">
          <thead><tr><th>Key</th><th>Destination</th><th></th></tr></thead>
          <tbody>${values.keys.map((r, i) => html`<tr key=${i} data-key=${r.key}>
            <td><select id=${`f-key-${i}`} aria-label=${`Key ${i + 1}`} value=${r.key}
              onChange=${(e) => setRow('keys', i, 'key', e.currentTarget.value)}>
              ${[r.key, ...free].map((k) => html`<option value=${k}>${k}</option>`)}</select></td>
            <td><${DestinationPicker} name=${`keys.${i}`} value=${r.dest} inIvr=${true} targets=${targets}
              onChange=${(d) => setRow('keys', i, 'dest', d)} />
              ${errLine(`keys.${i}`, f.err([`keys["${r.key}"]`, `keys.${r.key}`], true))}</td>
            <td><button type="button" class="mini" aria-label=${`Remove key ${r.key}`}
              onClick=${() => f.delRow('keys', i)}>✕</button></td></tr>`)}</tbody>
        </table>
        ${errLine('keys', f.err('keys', true))}
        ${free.length ? html`<button type="button" id="add-key"
          onClick=${() => f.addRow('keys', { key: free[0], dest: { type: 'extension', number: '' } })}>Add key</button>` : null}
      </div>
    </div>
    ${f.rest()}
    <${Actions} busy=${f.busy} creating=${!item} onCancel=${onCancel} />
  </form>`;
}

export function Ivrs() {
  const columns = [
    { label: 'Number', col: 'number', value: (i) => i.number },
    { label: 'Name', col: 'name', value: (i) => i.name },
    { label: 'Prompt', col: 'prompt', value: (i) => i.prompt },
    { label: 'Keys', col: 'keys', value: (i) => Object.entries(i.keys).map(([k, d]) => `${k}: ${destText(d)}`).join('; ') },
    { label: 'Loops', col: 'loops', value: (i) => i.loops },
  ];
  return html`<${ListPage} id="ivrs" title="IVR menus" what="IVR" path=${PATH} keyOf=${keyOf}
    columns=${columns} Form=${IvrForm} />`;
}
