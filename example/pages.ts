// Server-rendered HTML for the example. Every interpolated value goes through `html`, which
// escapes it unless it is already markup, so user input can never become markup by accident.

export type Theme = 'light' | 'dark'

/** Markup that is safe to insert as is. */
export interface Html {
  readonly markup: string
}

type Value = string | number | boolean | null | undefined | Html | readonly Value[]

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

function render(value: Value): string {
  if (value === null || value === undefined || value === false || value === true) return ''
  if (typeof value === 'string') return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)
  if (typeof value === 'number') return String(value)
  if ('markup' in value) return value.markup
  return value.map(render).join('')
}

/** Tagged template: `html`<p>${name}</p>`` escapes `name`; `false`/`null` render nothing. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let markup = strings[0] ?? ''
  values.forEach((value, i) => {
    markup += render(value) + (strings[i + 1] ?? '')
  })
  return { markup }
}

const STYLE = `
  :root { color-scheme: light; --bg: #fafafa; --fg: #1d1d1f; --muted: #6b6b70; --card: #fff;
    --line: #dcdce0; --accent: #2458d6; --ok: #e6f4ea; --ok-fg: #1e5e31; }
  :root[data-theme='dark'] { color-scheme: dark; --bg: #16171a; --fg: #e8e8ea; --muted: #9a9aa2;
    --card: #202227; --line: #34363d; --accent: #7aa2ff; --ok: #1f3a28; --ok-fg: #b5e3c3; }
  body { margin: 0; background: var(--bg); color: var(--fg);
    font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', sans-serif; }
  main { max-width: 34rem; margin: 3rem auto; padding: 0 1rem; }
  h1 { font-size: 1.4rem; margin: 0 0 1.5rem; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
    padding: 1rem 1.25rem; margin-bottom: 1rem; }
  h2 { font-size: 1rem; margin: 0 0 0.75rem; }
  label { display: block; margin-bottom: 0.25rem; }
  input[type='text'], input[type='password'] { display: block; width: 100%; box-sizing: border-box;
    margin-bottom: 0.75rem; padding: 0.45rem 0.6rem; font: inherit; color: inherit;
    background: var(--bg); border: 1px solid var(--line); border-radius: 6px; }
  button { font: inherit; padding: 0.4rem 0.9rem; border-radius: 6px; cursor: pointer;
    border: 1px solid var(--accent); background: var(--accent); color: var(--card); }
  button.secondary { background: transparent; color: var(--accent); }
  form.inline { display: inline; }
  label:has(input[type='checkbox']) { margin-bottom: 0.75rem; }
  .row { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap;
    margin-bottom: 1rem; }
  section > :last-child { margin-bottom: 0; }
  .flash { background: var(--ok); color: var(--ok-fg); border-radius: 6px; padding: 0.5rem 0.75rem;
    margin-bottom: 1rem; }
  .error { color: #d33; }
  .count { font-size: 1.6rem; font-weight: 600; margin-right: 0.5rem; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 0.25rem 1rem; margin: 0;
    font-size: 0.9rem; }
  dt { font-family: ui-monospace, monospace; }
  dd { margin: 0; color: var(--muted); }
  .muted { color: var(--muted); font-size: 0.9rem; }
  ul.sessions { list-style: none; padding: 0; margin: 0 0 1rem; }
  ul.sessions li { border: 1px solid var(--line); border-radius: 6px; padding: 0.6rem 0.75rem;
    margin-bottom: 0.5rem; }
  ul.sessions li.current { border-color: var(--accent); }
  ul.sessions dt { font-family: inherit; }
  .device { font-weight: 600; margin-right: 0.5rem; }
  .badge { font-size: 0.8rem; padding: 0.05rem 0.45rem; border-radius: 999px;
    background: var(--accent); color: var(--card); margin-right: 0.5rem; }
  .tag { font: 0.8rem ui-monospace, monospace; color: var(--muted); }
  .head { margin-bottom: 0.35rem; }
`

function layout(title: string, theme: Theme, body: readonly Html[]): Html {
  return html`<!doctype html>
    <html lang="en" data-theme="${theme}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          ${{ markup: STYLE }}
        </style>
      </head>
      <body>
        <main>
          <h1>sessionkit example</h1>
          ${body}
        </main>
      </body>
    </html> `
}

/** Everything the home page shows; gathered by the app from its two sessions. */
export interface HomeView {
  readonly theme: Theme
  /** `undefined` when logged out. */
  readonly user:
    { readonly name: string; readonly visits: number; readonly remember: boolean } | undefined
  readonly notices: readonly string[]
  /** Name of the driver that holds the login sessions (`filesystem`). */
  readonly store: string
  /** Whether the request carried a valid `prefs` cookie. */
  readonly hasPrefsCookie: boolean
  /** Why the `app` cookie was rejected, when it was. */
  readonly rejected: string | undefined
  /** A login form error, with the name that was entered. */
  readonly loginError?: { readonly message: string; readonly username: string }
}

export function homePage(view: HomeView): string {
  const { user } = view
  return layout(user === undefined ? 'Log in' : `Hello ${user.name}`, view.theme, [
    ...view.notices.map((notice) => html`<p class="flash" role="status">${notice}</p>`),
    user === undefined ? loginForm(view.loginError) : account(user),
    themeSwitcher(view.theme),
    sessionInfo(view),
  ]).markup
}

function loginForm(error: HomeView['loginError']): Html {
  return html`<section>
    <h2>Log in</h2>
    ${error && html`<p class="error" role="alert">${error.message}</p>`}
    <form method="post" action="/login">
      <label for="username">Username</label>
      <input
        id="username"
        type="text"
        name="username"
        required
        maxlength="32"
        value="${error?.username}"
      />
      <label for="password">Password <small>(any password works: this is a demo)</small></label>
      <input id="password" type="password" name="password" required />
      <label><input type="checkbox" name="remember" /> Remember me for 7 days</label>
      <button type="submit">Log in</button>
    </form>
  </section>`
}

function account(user: NonNullable<HomeView['user']>): Html {
  return html`<section>
    <h2>Hello ${user.name}</h2>
    <div class="row">
      <span>Counter:</span> <span class="count" data-testid="counter">${user.visits}</span>
      <form class="inline" method="post" action="/count">
        <button type="submit">Increment</button>
      </form>
    </div>
    <div class="row">
      <form class="inline" method="post" action="/logout">
        <button class="secondary" type="submit">Log out</button>
      </form>
      <a href="/sessions">Your active sessions</a>
    </div>
  </section>`
}

function themeSwitcher(theme: Theme): Html {
  const button = (value: Theme, label: string) =>
    html`<button
      type="submit"
      name="theme"
      value="${value}"
      class="${value === theme ? '' : 'secondary'}"
      aria-pressed="${String(value === theme)}"
    >
      ${label}
    </button>`
  return html`<section>
    <h2>Theme</h2>
    <form class="row" method="post" action="/theme">
      ${button('light', 'Light')} ${button('dark', 'Dark')}
    </form>
  </section>`
}

function sessionInfo(view: HomeView): Html {
  const { user } = view
  let app: Html
  if (user !== undefined) {
    app = html`server-side (store: ${view.store}), the cookie holds only a signed id, HttpOnly;
    logged in as ${user.name}; remember me
    ${user.remember ? 'on (persistent cookie, 7 days)' : 'off (ends with the browser session)'}`
  } else if (view.rejected !== undefined) {
    const why =
      view.rejected === 'unknown-session'
        ? ': the session no longer exists on the server (expired or logged out)'
        : ''
    app = html`rejected (${view.rejected})${why}; a fresh session was started and the cookie removed`
  } else {
    app = html`no cookie (logged out)`
  }
  const prefs = view.hasPrefsCookie
    ? html`signed, HttpOnly; theme ${view.theme}; kept for a year`
    : html`no cookie yet (default theme)`
  return html`<section aria-label="Session info">
    <h2>Session info</h2>
    <dl>
      <dt>app</dt>
      <dd data-testid="info-app">${app}</dd>
      <dt>prefs</dt>
      <dd data-testid="info-prefs">${prefs}</dd>
    </dl>
  </section>`
}

/** One of the user's sessions, as the sessions page shows it. */
export interface SessionItem {
  /** A short one-way tag that tells sessions apart; never the id. */
  readonly tag: string
  /** A label such as 'Chrome on Linux'. */
  readonly device: string
  /** Milliseconds since the epoch. */
  readonly createdAt: number
  readonly lastSeenAt: number
  readonly expiresAt: number
  /** The session of the browser viewing the page. */
  readonly current: boolean
}

export interface SessionsView {
  readonly theme: Theme
  readonly name: string
  readonly notices: readonly string[]
  /** Oldest first. */
  readonly sessions: readonly SessionItem[]
}

export function sessionsPage(view: SessionsView): string {
  const others = view.sessions.filter((item) => !item.current).length
  return layout('Active sessions', view.theme, [
    ...view.notices.map((notice) => html`<p class="flash" role="status">${notice}</p>`),
    html`<section>
      <h2>Active sessions of ${view.name}</h2>
      <p class="muted">
        Every browser where you are logged in, oldest first. "Last seen" moves at most once a
        minute.
      </p>
      <ul class="sessions">
        ${view.sessions.map(sessionItem)}
      </ul>
      ${
        others === 0
          ? html`<p class="muted">No other sessions.</p>`
          : html`<form method="post" action="/sessions/logout-others">
              <button type="submit">Log out other sessions</button>
            </form>`
      }
    </section>`,
    html`<p><a href="/">Back to the home page</a></p>`,
  ]).markup
}

function sessionItem(item: SessionItem): Html {
  return html`<li class="${item.current ? 'current' : ''}">
    <div class="head">
      <span class="device">${item.device}</span>
      ${item.current && html`<span class="badge">this browser</span>`}
      <span class="tag" title="A short tag of the session, not its id">#${item.tag}</span>
    </div>
    <dl>
      <dt>Created</dt>
      <dd>${time(item.createdAt)}</dd>
      <dt>Last seen</dt>
      <dd>${time(item.lastSeenAt)}</dd>
      <dt>Expires</dt>
      <dd>${time(item.expiresAt)}</dd>
    </dl>
  </li>`
}

/** `2026-05-01 14:03 UTC`, in a `<time>` element. */
function time(ms: number): Html {
  const iso = new Date(ms).toISOString()
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`
}

export function errorPage(status: number, message: string): string {
  return layout(message, 'light', [
    html`<section>
      <h2>${status} ${message}</h2>
      <p><a href="/">Back to the home page</a></p>
    </section>`,
  ]).markup
}
