import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import { formatDuration } from '../../../core/contract/format.js';
import { KEY_TIERS, type KeyInfo, type UsageRow } from '../../../core/contract/keys.js';
import { api } from '../api/client.js';
import { messageOf, StatusLine, useAction, type Message } from '../components/StatusLine.js';
import { useKeys, useNow, type UsageSummary } from '../useKeys.js';

type Tier = (typeof KEY_TIERS)[number];
type Limit = UsageSummary['limits'][number];

const TIER_NAMES: Record<Tier, string> = { free: 'Free', tier1: 'Tier 1', tier2: 'Tier 2', tier3: 'Tier 3' };
const WARN_SHARE = 0.9;

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
/** `14:05` or `14:05:09`, in the user's time zone. */
const clock = (t: number, seconds = false): string =>
  new Date(t).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
  });

function keyState(k: KeyInfo, now: number): string {
  if (k.disabledReason !== null)
    return k.disabledReason.trim() ? `Disabled: ${k.disabledReason}` : 'Disabled';
  if (k.circuitOpenUntil !== null && k.circuitOpenUntil > now)
    return `Circuit open until ${clock(k.circuitOpenUntil, true)} after ${plural(k.consecutiveFailures, 'failure', 'failures')}`;
  return 'Active';
}

/** API keys (add, test, disable, remove), per project × model quota gauges, and the model limits. */
export function KeysPanel() {
  const { keys, usage, error, refresh } = useKeys();
  const now = useNow();
  const { message, act } = useAction(refresh);
  const [tests, setTests] = useState<Record<string, Message | 'pending'>>({});

  const test = (k: KeyInfo) => {
    const put = (m: Message | 'pending') => setTests((s) => ({ ...s, [k.id]: m }));
    put('pending');
    api.keys.test({ id: k.id }).then(
      (r) => {
        put({ kind: r.ok ? 'ok' : 'error', text: r.message });
        refresh();
      },
      (e: unknown) => put({ kind: 'error', text: messageOf(e) }),
    );
  };
  const toggle = (k: KeyInfo) =>
    k.disabledReason !== null
      ? act(() => api.keys.enable({ id: k.id }), `Enabled ${k.label}.`)
      : act(() => api.keys.disable({ id: k.id, reason: 'turned off by you' }), `Disabled ${k.label}.`);
  const remove = (k: KeyInfo) => {
    if (
      !window.confirm(`Remove the key “${k.label}”? It is deleted from this machine and cannot be recovered.`)
    )
      return;
    act(() => api.keys.remove({ id: k.id }), `Removed ${k.label}.`);
  };

  return (
    <div className="keys-panel">
      {error && (
        <p role="alert" className="error-message">
          Could not read the keys and usage: {error}
        </p>
      )}
      <UsageSection usage={usage} now={now} />
      <section className="keys-section">
        <h2>API keys</h2>
        <StatusLine message={message} />
        {keys === null ? (
          <p className="muted">Loading keys…</p>
        ) : keys.length === 0 ? (
          <p className="muted">No API keys yet. Add one below; Gemini features need at least one.</p>
        ) : (
          <table className="keys-table" aria-label="API keys">
            <thead>
              <tr>
                <th>Label</th>
                <th>Project</th>
                <th>Tier</th>
                <th>Key</th>
                <th>State</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => {
                const t = tests[k.id];
                const disabled = k.disabledReason !== null;
                return (
                  <tr key={k.id} aria-label={k.label} className={disabled ? 'keys-disabled' : undefined}>
                    <td>
                      <strong>{k.label}</strong>
                    </td>
                    <td className="mono">{k.project}</td>
                    <td>{TIER_NAMES[k.tier]}</td>
                    <td className="mono">{k.masked}</td>
                    <td>
                      {keyState(k, now)}
                      <div
                        role="status"
                        className={`small ${t && t !== 'pending' && t.kind === 'error' ? 'error-message' : 'ok'}`}
                      >
                        {t === 'pending' ? 'Testing…' : (t?.text ?? '')}
                      </div>
                    </td>
                    <td className="keys-actions">
                      <button
                        type="button"
                        className="button"
                        aria-label={`Test ${k.label}`}
                        onClick={() => test(k)}
                      >
                        Test
                      </button>
                      <button
                        type="button"
                        className="button"
                        aria-label={`${disabled ? 'Enable' : 'Disable'} ${k.label}`}
                        onClick={() => toggle(k)}
                      >
                        {disabled ? 'Enable' : 'Disable'}
                      </button>
                      <button
                        type="button"
                        className="button danger"
                        aria-label={`Remove ${k.label}`}
                        onClick={() => remove(k)}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      <AddKeyForm onAdded={refresh} />
      {usage && <LimitsSection usage={usage} onSaved={refresh} />}
    </div>
  );
}

function AddKeyForm({ onAdded }: { onAdded(): void }) {
  const [label, setLabel] = useState('');
  const [project, setProject] = useState('');
  const [tier, setTier] = useState<Tier>('free');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  const noteId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    setBusy(true);
    api.keys.add({ label, project, tier, secret }).then(
      () => {
        setSecret('');
        setLabel('');
        setBusy(false);
        setMessage({ kind: 'ok', text: 'Key added.' });
        onAdded();
      },
      (e: unknown) => {
        setBusy(false);
        setMessage({ kind: 'error', text: messageOf(e) });
      },
    );
  };

  return (
    <form
      className="convert-bar keys-add"
      aria-label="Add an API key"
      aria-describedby={noteId}
      onSubmit={submit}
    >
      <label>
        Label
        <input value={label} placeholder="Work laptop key" onChange={(e) => setLabel(e.target.value)} />
      </label>
      <label>
        Project
        <input
          value={project}
          placeholder="Google Cloud project id"
          spellCheck={false}
          onChange={(e) => setProject(e.target.value)}
        />
      </label>
      <label>
        Tier
        <select value={tier} onChange={(e) => setTier(e.target.value as Tier)}>
          {KEY_TIERS.map((t) => (
            <option key={t} value={t}>
              {TIER_NAMES[t]}
            </option>
          ))}
        </select>
      </label>
      <label className="grow">
        API key
        <input
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={secret}
          onChange={(e) => setSecret(e.target.value)}
        />
      </label>
      <button type="submit" className="button primary" disabled={busy}>
        Add key
      </button>
      <p id={noteId} className="muted small full">
        Quotas are per Google Cloud project, so keys of one project share one budget. The key is stored
        encrypted on this machine and never shown again, only its last 4 characters.
      </p>
      <div className="full">
        <StatusLine message={message} />
      </div>
    </form>
  );
}

function UsageSection({ usage, now }: { usage: UsageSummary | null; now: number }) {
  return (
    <section className="keys-section" aria-label="Usage">
      <h2>Usage today</h2>
      {usage === null ? (
        <p className="muted">Loading usage…</p>
      ) : usage.rows.length === 0 ? (
        <p className="muted">No usage yet today.</p>
      ) : (
        <div className="keys-usage">
          {usage.rows.map((row) => (
            <UsageCard key={`${row.project}\u0000${row.model}`} row={row} now={now} />
          ))}
        </div>
      )}
    </section>
  );
}

function UsageCard({ row, now }: { row: UsageRow; now: number }) {
  const dayShare = row.rpd / Math.max(1, row.rpdLimit);
  const warn = dayShare >= WARN_SHARE;
  const hold = row.cooldownUntil !== null && row.cooldownUntil > now ? row.cooldownUntil - now : 0;
  return (
    <article className={`keys-card${warn ? ' keys-warn' : ''}`} aria-label={`${row.project} ${row.model}`}>
      <h3>
        {row.model} <span className="muted small mono">{row.project}</span>
      </h3>
      <Gauge
        label="Requests this minute"
        value={row.rpm}
        limit={row.rpmLimit}
        text={`${row.rpm} / ${row.rpmLimit} this minute`}
      />
      <Gauge
        label="Requests today"
        value={row.rpd}
        limit={row.rpdLimit}
        text={`${row.rpd} / ${row.rpdLimit} today`}
      />
      {warn && (
        <p className="keys-warn-text">
          {dayShare >= 1 ? 'Daily limit reached.' : 'Almost at the daily limit.'}
        </p>
      )}
      <p className="muted small">resets at {clock(row.resetsAt)} (your time)</p>
      {hold > 0 && (
        <p className="keys-hold">
          On hold after a rate limit: {formatDuration(Math.ceil(hold / 1000) * 1000)} left
        </p>
      )}
      <p className={row.usableKeys === 0 ? 'error-message small' : 'small'}>
        {row.usableKeys} of {plural(row.keys, 'key', 'keys')} usable
      </p>
    </article>
  );
}

/** A meter that turns to the warning colour at 90 % and to the danger colour when full. */
function Gauge({ label, value, limit, text }: { label: string; value: number; limit: number; text: string }) {
  const max = Math.max(1, limit);
  return (
    <div className={`keys-gauge${value / max >= WARN_SHARE ? ' keys-gauge-warn' : ''}`}>
      <meter
        aria-label={label}
        min={0}
        max={max}
        value={Math.min(value, max)}
        low={max * WARN_SHARE - 1e-6}
        high={max - 1e-6}
        optimum={0}
      />
      <span>{text}</span>
    </div>
  );
}

function LimitsSection({ usage, onSaved }: { usage: UsageSummary; onSaved(): void }) {
  const [messages, setMessages] = useState<Record<string, Message>>({});
  const put = (model: string, m: Message) => setMessages((s) => ({ ...s, [model]: m }));
  const save = (model: string, rpm: number, rpd: number) => {
    put(model, null);
    api.usage.setLimit({ model, rpm, rpd }).then(
      () => {
        put(model, { kind: 'ok', text: `Saved the limits for ${model}.` });
        onSaved();
      },
      (e: unknown) => put(model, { kind: 'error', text: messageOf(e) }),
    );
  };
  return (
    <details className="keys-limits">
      <summary>Model limits</summary>
      <table className="keys-table" aria-label="Model limits">
        <thead>
          <tr>
            <th>Model</th>
            <th>RPM</th>
            <th>RPD</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {usage.limits.map((l) => (
            <LimitRow
              key={`${l.model}:${l.rpm}:${l.rpd}`}
              limit={l}
              message={messages[l.model] ?? null}
              onSave={save}
              onInvalid={put}
            />
          ))}
        </tbody>
      </table>
      <p className="muted small">
        Pixelsmith uses {Math.round(usage.margin * 100)} % of every limit, a safety margin so requests stop
        before Google would refuse them.
      </p>
    </details>
  );
}

function LimitRow(props: {
  limit: Limit;
  message: Message;
  onSave(model: string, rpm: number, rpd: number): void;
  onInvalid(model: string, m: Message): void;
}) {
  const { limit, message } = props;
  const [rpm, setRpm] = useState(String(limit.rpm));
  const [rpd, setRpd] = useState(String(limit.rpd));
  const valid = (v: string) => /^\d+$/.test(v.trim()) && Number(v) > 0;
  const submit = () => {
    if (!valid(rpm) || !valid(rpd)) {
      props.onInvalid(limit.model, {
        kind: 'error',
        text: `The limits for ${limit.model} must be whole numbers above 0.`,
      });
      return;
    }
    props.onSave(limit.model, Number(rpm), Number(rpd));
  };
  const onEnter = (e: KeyboardEvent) => {
    if (e.key === 'Enter') submit();
  };
  return (
    <tr aria-label={limit.model}>
      <td className="mono">{limit.model}</td>
      <td>
        <input
          type="number"
          min={1}
          step={1}
          aria-label={`RPM for ${limit.model}`}
          value={rpm}
          onKeyDown={onEnter}
          onChange={(e) => setRpm(e.target.value)}
        />
      </td>
      <td>
        <input
          type="number"
          min={1}
          step={1}
          aria-label={`RPD for ${limit.model}`}
          value={rpd}
          onKeyDown={onEnter}
          onChange={(e) => setRpd(e.target.value)}
        />
      </td>
      <td>
        <button
          type="button"
          className="button"
          aria-label={`Save limits for ${limit.model}`}
          onClick={submit}
        >
          Save
        </button>
        <StatusLine message={message} />
      </td>
    </tr>
  );
}
