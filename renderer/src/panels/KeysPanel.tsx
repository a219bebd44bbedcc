import './KeysPanel.css';
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { z } from 'zod';
import { KEY_TIERS, keysSlice, type KeyInfo, type UsageRow } from '../../../core/contract/keys.js';
import { api } from '../api/client.js';
import {
  Field,
  fieldError,
  NumberInput,
  problemOf,
  StatusLine,
  useAction,
  type Message,
  type Problem,
} from '../components/forms.js';
import { useI18n, type I18n } from '../i18n/index.js';
import { useConnection } from '../state/useConnection.js';
import { useKeys, type UsageSummary } from '../state/useKeys.js';
import { useNow } from '../state/useNow.js';

type Tier = (typeof KEY_TIERS)[number];
type Limit = UsageSummary['limits'][number];
type Translate = I18n['t'];
type Issue = z.core.$ZodIssue;

/** The gauges turn to the warning colour at 90 % and to the danger colour when full. */
const WARN_SHARE = 0.9;

/** The contract's own input schemas: the form checks what core would refuse before sending it. */
const addInput = keysSlice.methods['keys.add'].input;
const limitInput = keysSlice.methods['usage.setLimit'].input;

const TIER_KEYS = {
  free: 'keys.tier.free',
  tier1: 'keys.tier.tier1',
  tier2: 'keys.tier.tier2',
  tier3: 'keys.tier.tier3',
} as const satisfies Record<Tier, string>;

/** A Problem from the schema's issues: one message per field, and the general sentence. */
function problemFromIssues(
  issues: readonly Issue[],
  text: (issue: Issue) => string,
  general: string,
): Problem {
  const fields: Record<string, string> = {};
  for (const issue of issues) fields[issue.path.map(String).join('.')] ??= text(issue);
  return { message: general, fields };
}

/** The add form's field messages, in the user's language (the contract's are English). */
function addIssueText(t: Translate, issue: Issue): string {
  if (issue.code === 'too_big') return t('keys.add.error.tooLong', { max: Number(issue.maximum) });
  switch (issue.path[0]) {
    case 'label':
      return t('keys.add.error.label');
    case 'project':
      return t('keys.add.error.project');
    case 'secret':
      return t('keys.add.error.secret');
    default:
      return issue.message;
  }
}

const invalidMessage = (problem: Problem): Message => ({ kind: 'error', problem });

/** API keys (add, test, disable, remove), per project × model quota gauges, and the model limits. */
export function KeysPanel() {
  const { t } = useI18n();
  const { keys, usage, error, refresh } = useKeys();
  const { online, reconnects } = useConnection();
  const now = useNow();
  const { message, busy, act } = useAction(refresh);
  const [tests, setTests] = useState<Record<string, Message | 'pending'>>({});
  const titleId = useId();

  // Events were missed while the connection was gone: read everything again.
  useEffect(() => {
    if (reconnects > 0) refresh();
  }, [reconnects, refresh]);

  const test = (k: KeyInfo) => {
    const put = (m: Message | 'pending') => setTests((s) => ({ ...s, [k.id]: m }));
    put('pending');
    api.keys.test({ id: k.id }).then(
      (r) => {
        put(
          r.ok
            ? { kind: 'ok', text: t('keys.test.passed') }
            : invalidMessage({ message: t('keys.test.failed'), fields: {} }),
        );
        refresh();
      },
      (e: unknown) => put(invalidMessage(problemOf(e, t('error.fields')))),
    );
  };
  const toggle = (k: KeyInfo) =>
    k.disabledReason !== null
      ? act(() => api.keys.enable({ id: k.id }), t('keys.enabled', { label: k.label }))
      : act(
          () => api.keys.disable({ id: k.id, reason: t('keys.disableReason') }),
          t('keys.disabled', { label: k.label }),
        );
  const remove = (k: KeyInfo) => {
    if (!window.confirm(t('keys.confirmRemove', { label: k.label }))) return;
    void act(() => api.keys.remove({ id: k.id }), t('keys.removed', { label: k.label }));
  };

  return (
    <div className="keys-panel">
      {error && (
        <p role="alert" className="error-message">
          {t('keys.loadError', { error })}
        </p>
      )}
      <UsageSection usage={usage} now={now} />
      <section className="keys-section" aria-labelledby={titleId}>
        <h2 id={titleId}>{t('keys.list.title')}</h2>
        <StatusLine message={message} />
        {keys === null ? (
          <p className="muted">{t('keys.list.loading')}</p>
        ) : keys.length === 0 ? (
          <p className="muted">{t('keys.list.empty')}</p>
        ) : (
          <ul className="keys-list" aria-label={t('keys.list.label')}>
            {keys.map((k) => (
              <KeyCard
                key={k.id}
                k={k}
                now={now}
                test={tests[k.id] ?? null}
                actionsOff={!online || busy}
                onTest={() => test(k)}
                onToggle={() => void toggle(k)}
                onRemove={() => remove(k)}
              />
            ))}
          </ul>
        )}
      </section>
      <AddKeyForm onAdded={refresh} online={online} />
      {usage && <LimitsSection usage={usage} online={online} onSaved={refresh} />}
    </div>
  );
}

function KeyCard(props: {
  k: KeyInfo;
  now: number;
  test: Message | 'pending';
  actionsOff: boolean;
  onTest(): void;
  onToggle(): void;
  onRemove(): void;
}) {
  const { k, now, test, actionsOff } = props;
  const { t, date, time, relative } = useI18n();
  const disabled = k.disabledReason !== null;
  const circuitOpen = !disabled && k.circuitOpenUntil !== null && k.circuitOpenUntil > now;
  const check = k.lastCheck;
  const testing = test === 'pending';

  // The key's availability; "Active" only for a key whose last test passed.
  const state = disabled ? (
    <span className="badge badge-muted">{t('keys.state.disabled')}</span>
  ) : circuitOpen ? (
    <span className="badge badge-warn">{t('keys.state.circuit')}</span>
  ) : check?.ok ? (
    <span className="badge badge-ok">{t('keys.state.active')}</span>
  ) : null;
  const verification =
    check === null ? (
      <span className="badge badge-muted">{t('keys.check.none')}</span>
    ) : check.ok ? (
      <span className="badge badge-ok">
        <time dateTime={new Date(check.at).toISOString()} title={date(check.at)}>
          {t('keys.check.ok', { when: relative(check.at, now) })}
        </time>
      </span>
    ) : (
      <span className="badge badge-danger">{t('keys.check.failed')}</span>
    );

  return (
    <li className={`keys-key${disabled ? ' keys-key-off' : ''}`} aria-label={k.label}>
      <div className="keys-key-head">
        <h3>{k.label}</h3>
        <span className="keys-badges">
          {state}
          {verification}
        </span>
      </div>
      <dl className="keys-facts">
        <div>
          <dt>{t('keys.fact.project')}</dt>
          <dd className="mono">{k.project}</dd>
        </div>
        <div>
          <dt>{t('keys.fact.tier')}</dt>
          <dd>{t(TIER_KEYS[k.tier])}</dd>
        </div>
        <div>
          <dt>{t('keys.fact.key')}</dt>
          <dd className="mono">{k.masked}</dd>
        </div>
        <div>
          <dt>{t('keys.fact.added')}</dt>
          <dd>{date(k.createdAt)}</dd>
        </div>
      </dl>
      {disabled && k.disabledReason?.trim() && (
        <p className="small">{t('keys.state.reason', { reason: k.disabledReason })}</p>
      )}
      {circuitOpen && k.circuitOpenUntil !== null && (
        <p className="small keys-warn-text">
          {t('keys.state.circuitUntil', { count: k.consecutiveFailures, time: time(k.circuitOpenUntil) })}
        </p>
      )}
      {check === null ? (
        <p className="small muted">{t('keys.check.noneHint')}</p>
      ) : check.ok ? (
        <p className="small muted">{check.message}</p>
      ) : (
        <p className="small error-message">{t('keys.check.failedMessage', { message: check.message })}</p>
      )}
      <p
        role="status"
        className={`small keys-test-status${test && test !== 'pending' ? (test.kind === 'ok' ? ' ok' : ' error-message') : ''}`}
      >
        {testing
          ? t('keys.action.testing')
          : test
            ? test.kind === 'ok'
              ? test.text
              : test.problem.message
            : ''}
      </p>
      <div className="keys-actions">
        <button
          type="button"
          className="button"
          aria-label={t('keys.action.testNamed', { label: k.label })}
          disabled={actionsOff || testing}
          onClick={props.onTest}
        >
          {t('keys.action.test')}
        </button>
        <button
          type="button"
          className="button"
          aria-label={t(disabled ? 'keys.action.enableNamed' : 'keys.action.disableNamed', {
            label: k.label,
          })}
          disabled={actionsOff}
          onClick={props.onToggle}
        >
          {t(disabled ? 'keys.action.enable' : 'keys.action.disable')}
        </button>
        <button
          type="button"
          className="button danger"
          aria-label={t('keys.action.removeNamed', { label: k.label })}
          disabled={actionsOff}
          onClick={props.onRemove}
        >
          {t('keys.action.remove')}
        </button>
      </div>
    </li>
  );
}

function AddKeyForm({ onAdded, online }: { onAdded(): void; online: boolean }) {
  const { t } = useI18n();
  const [label, setLabel] = useState('');
  const [project, setProject] = useState('');
  const [tier, setTier] = useState<Tier>('free');
  const [secret, setSecret] = useState('');
  const [invalid, setInvalid] = useState<Problem | null>(null);
  const { message, busy, act, clear } = useAction(onAdded);
  const titleId = useId();
  const noteId = useId();
  const shown: Message = invalid ? invalidMessage(invalid) : message;
  const err = (path: string) => fieldError(shown, path);

  /** Editing a field takes its error away; the others stay until the next try. */
  const edit = (path: string, set: (v: string) => void) => (value: string) => {
    set(value);
    if (invalid?.fields[path]) {
      const { [path]: _gone, ...fields } = invalid.fields;
      setInvalid({ ...invalid, fields });
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = { label, project, tier, secret };
    const parsed = addInput.safeParse(input);
    if (!parsed.success) {
      clear();
      setInvalid(problemFromIssues(parsed.error.issues, (i) => addIssueText(t, i), t('error.fields')));
      return;
    }
    setInvalid(null);
    const added = await act(() => api.keys.add(input), t('keys.add.done'));
    if (added) {
      // The secret is never shown again, not even in the form it was typed into.
      setSecret('');
      setLabel('');
    }
  };

  return (
    <section className="keys-section">
      <h2 id={titleId}>{t('keys.add.title')}</h2>
      <form
        className="keys-add"
        aria-labelledby={titleId}
        aria-describedby={noteId}
        noValidate
        onSubmit={(e) => void submit(e)}
      >
        <div className="keys-add-fields">
          <Field label={t('keys.add.label')} error={err('label')}>
            {(control) => (
              <input
                {...control}
                value={label}
                placeholder={t('keys.add.labelPlaceholder')}
                onChange={(e) => edit('label', setLabel)(e.target.value)}
              />
            )}
          </Field>
          <Field label={t('keys.add.project')} error={err('project')}>
            {(control) => (
              <input
                {...control}
                value={project}
                placeholder={t('keys.add.projectPlaceholder')}
                spellCheck={false}
                onChange={(e) => edit('project', setProject)(e.target.value)}
              />
            )}
          </Field>
          <Field label={t('keys.add.tier')} error={err('tier')}>
            {(control) => (
              <select {...control} value={tier} onChange={(e) => setTier(e.target.value as Tier)}>
                {KEY_TIERS.map((k) => (
                  <option key={k} value={k}>
                    {t(TIER_KEYS[k])}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            className="keys-add-secret"
            label={t('keys.add.secret')}
            hint={t('keys.add.secretHint')}
            error={err('secret')}
          >
            {(control) => (
              <input
                {...control}
                type="password"
                autoComplete="off"
                spellCheck={false}
                value={secret}
                onChange={(e) => edit('secret', setSecret)(e.target.value)}
              />
            )}
          </Field>
        </div>
        <p id={noteId} className="muted small">
          {t('keys.add.note')}
        </p>
        <div className="keys-form-actions">
          <button type="submit" className="button primary" disabled={busy || !online}>
            {t('keys.add.submit')}
          </button>
          <StatusLine message={shown} />
        </div>
      </form>
    </section>
  );
}

function UsageSection({ usage, now }: { usage: UsageSummary | null; now: number }) {
  const { t, money } = useI18n();
  const titleId = useId();
  return (
    <section className="keys-section" aria-labelledby={titleId}>
      <h2 id={titleId}>{t('keys.usage.title')}</h2>
      {usage === null ? (
        <p className="muted">{t('keys.usage.loading')}</p>
      ) : (
        <>
          {usage.today.calls > 0 && (
            <p className="small">
              {t('keys.usage.today', {
                count: usage.today.calls,
                money: money(usage.today.usd),
                asOf: usage.today.pricesAsOf,
              })}
            </p>
          )}
          {usage.rows.length === 0 ? (
            <p className="muted">{t('keys.usage.empty')}</p>
          ) : (
            <ul className="keys-usage" aria-label={t('keys.usage.list')}>
              {usage.rows.map((row) => (
                <UsageCard key={`${row.project}\u0000${row.model}`} row={row} now={now} />
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

function UsageCard({ row, now }: { row: UsageRow; now: number }) {
  const { t, time, duration } = useI18n();
  const dayShare = row.rpd / Math.max(1, row.rpdLimit);
  const warn = dayShare >= WARN_SHARE;
  const hold = row.cooldownUntil !== null && row.cooldownUntil > now ? row.cooldownUntil - now : 0;
  return (
    <li
      className={`keys-card${warn ? ' keys-warn' : ''}`}
      aria-label={t('keys.usage.card', { model: row.model, project: row.project })}
    >
      <h3>
        <span className="mono">{row.model}</span> <span className="muted small mono">{row.project}</span>
      </h3>
      <Gauge label={t('keys.usage.rpm')} value={row.rpm} limit={row.rpmLimit} />
      <Gauge label={t('keys.usage.rpd')} value={row.rpd} limit={row.rpdLimit} />
      {warn && <p className="keys-warn-text">{t(dayShare >= 1 ? 'keys.usage.full' : 'keys.usage.almost')}</p>}
      <p className="muted small">{t('keys.usage.resets', { time: time(row.resetsAt) })}</p>
      {hold > 0 && (
        <p className="keys-warn-text">
          {t('keys.usage.hold', { duration: duration(Math.ceil(hold / 1000) * 1000) })}
        </p>
      )}
      <p className={row.usableKeys === 0 ? 'error-message small' : 'small'}>
        {t('keys.usage.usable', { usable: row.usableKeys, count: row.keys })}
      </p>
    </li>
  );
}

/** A meter with its name and "used of limit" beside it. */
function Gauge({ label, value, limit }: { label: string; value: number; limit: number }) {
  const { t } = useI18n();
  const id = useId();
  const max = Math.max(1, limit);
  return (
    <div className={`keys-gauge${value / max >= WARN_SHARE ? ' keys-gauge-warn' : ''}`}>
      <div className="keys-gauge-text">
        <span id={`${id}-label`}>{label}</span>
        <span id={`${id}-value`} className="keys-gauge-value">
          {t('keys.usage.of', { used: value, limit })}
        </span>
      </div>
      <meter
        aria-labelledby={`${id}-label`}
        aria-describedby={`${id}-value`}
        min={0}
        max={max}
        value={Math.min(value, max)}
        low={max * WARN_SHARE - 1e-6}
        high={max - 1e-6}
        optimum={0}
      />
    </div>
  );
}

function LimitsSection({
  usage,
  online,
  onSaved,
}: {
  usage: UsageSummary;
  online: boolean;
  onSaved(): void;
}) {
  const { t, percent } = useI18n();
  // Kept here, not in the rows: a saved limit changes the row's key, and the row is made anew.
  const [messages, setMessages] = useState<Record<string, Message>>({});
  const [saving, setSaving] = useState<string | null>(null);
  const put = (model: string, m: Message) => setMessages((s) => ({ ...s, [model]: m }));
  const save = async (model: string, rpm: number, rpd: number) => {
    put(model, null);
    setSaving(model);
    try {
      await api.usage.setLimit({ model, rpm, rpd });
      put(model, { kind: 'ok', text: t('keys.limits.saved', { model }) });
      onSaved();
    } catch (e) {
      put(model, invalidMessage(problemOf(e, t('error.fields'))));
    } finally {
      setSaving(null);
    }
  };
  return (
    <details className="keys-limits">
      <summary>{t('keys.limits.title')}</summary>
      <ul className="keys-limits-list" aria-label={t('keys.limits.list')}>
        {usage.limits.map((l) => (
          <LimitItem
            key={`${l.model}:${l.rpm}:${l.rpd}`}
            limit={l}
            message={messages[l.model] ?? null}
            off={!online || saving === l.model}
            onSave={(rpm, rpd) => void save(l.model, rpm, rpd)}
            onInvalid={(problem) => put(l.model, invalidMessage(problem))}
          />
        ))}
      </ul>
      <p className="muted small">{t('keys.limits.margin', { percent: percent(usage.margin) })}</p>
    </details>
  );
}

function LimitItem(props: {
  limit: Limit;
  message: Message;
  off: boolean;
  onSave(rpm: number, rpd: number): void;
  onInvalid(problem: Problem): void;
}) {
  const { limit, message } = props;
  const { t } = useI18n();
  const [rpm, setRpm] = useState<number | null>(limit.rpm);
  const [rpd, setRpd] = useState<number | null>(limit.rpd);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = limitInput.safeParse({ model: limit.model, rpm, rpd });
    if (!parsed.success) {
      const values: Record<string, number | null> = { rpm, rpd };
      props.onInvalid(
        problemFromIssues(
          parsed.error.issues,
          (i) => (values[String(i.path[0])] === null ? t('field.required') : t('keys.limits.error.positive')),
          t('error.fields'),
        ),
      );
      return;
    }
    props.onSave(parsed.data.rpm, parsed.data.rpd);
  };

  return (
    <li className="keys-limit" aria-label={limit.model}>
      <form noValidate onSubmit={submit}>
        <h3 className="mono">{limit.model}</h3>
        <div className="keys-limit-fields">
          <Field label={t('keys.limits.rpm')} error={fieldError(message, 'rpm')}>
            {(control) => <NumberInput {...control} min={1} step={1} value={rpm} onChange={setRpm} />}
          </Field>
          <Field label={t('keys.limits.rpd')} error={fieldError(message, 'rpd')}>
            {(control) => <NumberInput {...control} min={1} step={1} value={rpd} onChange={setRpd} />}
          </Field>
        </div>
        <div className="keys-form-actions">
          <button
            type="submit"
            className="button"
            aria-label={t('keys.limits.saveNamed', { model: limit.model })}
            disabled={props.off}
          >
            {t('common.save')}
          </button>
          <StatusLine message={message} />
        </div>
      </form>
    </li>
  );
}
