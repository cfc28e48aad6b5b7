// Time conditions: weekly opening hours, holidays and a time zone, branching to one
// destination while they match and another otherwise; each row has the day/night override
// buttons (POST …/{id}/override: force day, force night, follow the schedule).
import { html, useState } from '../html.js';
import { api, currentSession } from '../api.js';
import { ListPage, saveEntry } from '../crud.js';
import { useForm, Actions, DestinationPicker, useTargets, destBody, destText, errLine } from '../forms.js';
import { fid } from '../widgets.js';

const PATH = '/api/v1/time-conditions';
const keyOf = (t) => t.id;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const MODE_TEXT = { none: 'schedule', force_match: 'forced day', force_nomatch: 'forced night' };

function toForm(t) {
  return {
    id: t ? t.id : '', time_zone: t ? t.time_zone : (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'),
    weekly: t ? t.weekly.map((w) => ({ ...w, days: [...w.days] }))
      : [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '17:00' }],
    holidays: t ? t.holidays.map((h) => ({ ...h })) : [],
    mode: t ? t.mode : 'none',
    matched: t ? t.matched : { type: 'extension', number: '' },
    not_matched: t ? t.not_matched : { type: 'hangup' },
  };
}

function toBody(v) {
  return {
    id: v.id.trim(), time_zone: String(v.time_zone).trim(), mode: v.mode,
    weekly: v.weekly.map((w) => ({ days: DAYS.filter((d) => w.days.includes(d)), start: w.start.trim(), end: w.end.trim() })),
    holidays: v.holidays.map((h) => ({ name: h.name, start: h.start.trim(), end: (h.end || h.start).trim(), yearly: !!h.yearly })),
    matched: destBody(v.matched), not_matched: destBody(v.not_matched),
  };
}

function TimeForm({ item, onDone, onCancel }) {
  const f = useForm(toForm(item), {
    listName: 'time_conditions',
    save: (v) => saveEntry(PATH, item, keyOf, toBody(v), onDone),
  });
  const targets = useTargets();
  const { F, input, select, values, rowInput, rowErr, setRow } = f;
  const toggleDay = (i, d) => {
    const days = values.weekly[i].days;
    setRow('weekly', i, 'days', days.includes(d) ? days.filter((x) => x !== d) : [...days, d]);
  };
  return html`<form class="card form" id="tc-form" onSubmit=${f.submit} novalidate>
    <h2>${item ? `Time condition ${item.id}` : 'New time condition'}</h2>
    <div class="grid">
      ${F('Id', 'id', input('id', 'text', { readonly: !!item, autocomplete: 'off' }))}
      ${F('Time zone', 'time_zone', input('time_zone'), { hint: 'IANA name, e.g. Europe/Berlin' })}
      ${F('Override', 'mode', select('mode', [['none', 'Follow the schedule'], ['force_match', 'Force day (matched)'],
        ['force_nomatch', 'Force night (not matched)']]))}
      ${F('While open (matched)', 'matched', html`<${DestinationPicker} name="matched" value=${values.matched}
        targets=${targets} onChange=${(d) => f.set('matched', d)} />`, { prefix: true })}
      ${F('Otherwise', 'not_matched', html`<${DestinationPicker} name="not_matched" value=${values.not_matched}
        targets=${targets} onChange=${(d) => f.set('not_matched', d)} />`, { prefix: true })}
      <div class="field wide rows">
        <span class="label">Weekly hours</span>
        <table class="rows" id="weekly">
          <thead><tr><th>Days</th><th>From</th><th>To</th><th></th></tr></thead>
          <tbody>${values.weekly.map((w, i) => html`<tr key=${i}>
            <td><span class="days">${DAYS.map((d) => html`<label key=${d}>
              <input type="checkbox" id=${`f-${fid(`weekly[${i}].days.${d}`)}`} checked=${w.days.includes(d)}
                onChange=${() => toggleDay(i, d)} />${d}</label>`)}</span>${rowErr('weekly', i, 'days')}</td>
            <td>${rowInput('weekly', i, 'start', 'text', { label: `From ${i + 1}` })}${rowErr('weekly', i, 'start')}</td>
            <td>${rowInput('weekly', i, 'end', 'text', { label: `To ${i + 1}` })}${rowErr('weekly', i, 'end')}</td>
            <td><button type="button" class="mini" aria-label=${`Remove hours ${i + 1}`}
              onClick=${() => f.delRow('weekly', i)}>✕</button></td></tr>`)}</tbody>
        </table>
        ${errLine('weekly', f.err('weekly', true))}
        <button type="button" id="add-hours" onClick=${() => f.addRow('weekly', { days: ['mon'], start: '09:00', end: '17:00' })}>
          Add hours</button>
        <small class="hint">HH:MM; a range past midnight (22:00–06:00) runs into the next day.</small>
      </div>
      <div class="field wide rows">
        <span class="label">Holidays</span>
        <table class="rows" id="holidays">
          <thead><tr><th>Name</th><th>First day</th><th>Last day</th><th>Every year</th><th></th></tr></thead>
          <tbody>${values.holidays.map((h, i) => html`<tr key=${i}>
            <td>${rowInput('holidays', i, 'name', 'text', { label: `Holiday ${i + 1}` })}${rowErr('holidays', i, 'name')}</td>
            <td>${rowInput('holidays', i, 'start', 'date', { label: `First day ${i + 1}` })}${rowErr('holidays', i, 'start')}</td>
            <td>${rowInput('holidays', i, 'end', 'date', { label: `Last day ${i + 1}` })}${rowErr('holidays', i, 'end')}</td>
            <td><input type="checkbox" aria-label=${`Every year ${i + 1}`} checked=${!!h.yearly}
              onChange=${(e) => setRow('holidays', i, 'yearly', e.currentTarget.checked)} /></td>
            <td><button type="button" class="mini" aria-label=${`Remove holiday ${i + 1}`}
              onClick=${() => f.delRow('holidays', i)}>✕</button></td></tr>`)}</tbody>
        </table>
        ${errLine('holidays', f.err('holidays', true))}
        <button type="button" id="add-holiday" onClick=${() => f.addRow('holidays', { name: '', start: '', end: '', yearly: false })}>
          Add holiday</button>
      </div>
    </div>
    ${f.rest()}
    <${Actions} busy=${f.busy} creating=${!item} onCancel=${onCancel} />
  </form>`;
}

/** Day / night / schedule buttons; the current mode is pressed. */
function Override({ tc, reload }) {
  const [error, setError] = useState(null);
  if ((currentSession() || {}).role !== 'admin') return null;
  const go = async (mode) => {
    try {
      await api('POST', `${PATH}/${encodeURIComponent(tc.id)}/override`, { mode });
      setError(null);
    } catch (e) {
      setError(e.message);
    }
    reload();
  };
  const b = (mode, label) => html`<button type="button" class=${`override ${mode}`} aria-pressed=${tc.mode === mode}
    onClick=${() => go(mode)}>${label}</button>`;
  return html`<span class="override-group" role="group" aria-label=${`Override ${tc.id}`}>
    ${b('force_match', 'Day')}${b('force_nomatch', 'Night')}${b('none', 'Schedule')}
    ${error ? html`<span class="field-error">${error}</span>` : null}</span>`;
}

export function TimeConditions() {
  const columns = [
    { label: 'Id', col: 'id', value: (t) => t.id },
    { label: 'Time zone', col: 'time_zone', value: (t) => t.time_zone },
    { label: 'Hours', col: 'weekly', value: (t) => t.weekly.map((w) => `${w.days.join(',')} ${w.start}–${w.end}`).join('; ') },
    { label: 'Holidays', col: 'holidays', value: (t) => t.holidays.length },
    { label: 'Open →', col: 'matched', value: (t) => destText(t.matched) },
    { label: 'Closed →', col: 'not_matched', value: (t) => destText(t.not_matched) },
    { label: 'Mode', col: 'mode', value: (t) => MODE_TEXT[t.mode] || t.mode,
      render: (t) => html`<span class=${`badge ${t.mode === 'none' ? 'off' : 'warn'}`}>${MODE_TEXT[t.mode] || t.mode}</span>` },
  ];
  return html`<${ListPage} id="time-conditions" title="Time conditions" what="time condition" path=${PATH}
    keyOf=${keyOf} columns=${columns} Form=${TimeForm}
    rowActions=${(t, reload) => html`<${Override} tc=${t} reload=${reload} />`} />`;
}
