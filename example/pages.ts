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
  a { color: var(--accent); text-decoration: underline; text-decoration-thickness: 1px;
    text-underline-offset: 0.2em; }
  a:hover { text-decoration-thickness: 2px; }
  a:focus-visible, button:focus-visible, input:focus-visible { outline: 2px solid var(--accent);
    outline-offset: 2px; }
  nav { display: flex; gap: 1.25rem; margin: -0.75rem 0 1.5rem; }
  nav a { text-decoration: none; font-weight: 500; }
  nav a:hover { text-decoration: underline; }
  nav a[aria-current='page'] { color: var(--fg); text-decoration: underline;
    text-decoration-color: var(--accent); text-decoration-thickness: 2px; }
  ol.notes { margin: 0 0 1rem; padding-left: 1.4rem; }
  table { width: 100%; border-collapse: collapse; font-size: 0.9rem; }
  th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.5rem 0.35rem 0;
    border-bottom: 1px solid var(--line); }
  thead th { color: var(--muted); font-weight: 500; }
  tbody th { font-weight: 500; white-space: nowrap; }
  code { font: 0.85em ui-monospace, monospace; }
`

const NAV: readonly (readonly [path: string, label: string])[] = [
  ['/', 'Home'],
  ['/notes', 'Notes'],
]

/** A page: `current` is the path of the page, marked in the navigation. */
function layout(title: string, theme: Theme, body: readonly Html[], current?: string): Html {
  const nav = NAV.map(([path, label]) => {
    const here = path === current ? html` aria-current="page"` : null
    return html`<a href="${path}" ${here}>${label}</a>`
  })
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
          <nav aria-label="Pages">${nav}</nav>
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
  /** Notes in the visitor's sealed cookie; `undefined` without a valid `guest` cookie. */
  readonly guestNotes: number | undefined
  /** Why the `app` cookie was rejected, when it was. */
  readonly rejected: string | undefined
  /** A failed login's message, with the name that was entered. */
  readonly loginError?: LoginError
}

/** Why a login failed, shown once on the form after the redirect. */
export interface LoginError {
  readonly message: string
  /** What was entered, to fill the field in again. */
  readonly username: string
}

export function homePage(view: HomeView): string {
  const { user } = view
  const title = user === undefined ? 'Log in' : `Hello ${user.name}`
  const body = [
    ...view.notices.map((notice) => html`<p class="flash" role="status">${notice}</p>`),
    user === undefined ? loginForm(view.loginError) : account(user),
    themeSwitcher(view.theme),
    sessionInfo(view),
  ]
  return layout(title, view.theme, body, '/').markup
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
  const notes = view.guestNotes
  const guest =
    notes === undefined
      ? html`no cookie (nothing to keep yet)`
      : html`sealed cookie, the whole session inside it, nothing on the server;
        ${notes === 0 ? 'no notes' : `${notes} note${notes === 1 ? '' : 's'}`}`
  return html`<section aria-label="Session info">
    <h2>Session info</h2>
    <dl>
      <dt>app</dt>
      <dd data-testid="info-app">${app}</dd>
      <dt>guest</dt>
      <dd data-testid="info-guest">${guest}</dd>
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

/** Everything the notes page shows, from the visitor's cookie session. */
export interface NotesView {
  readonly theme: Theme
  /** Oldest first. */
  readonly notes: readonly string[]
  readonly notices: readonly string[]
  /** Bytes of the `guest` cookie this request carried (`name=value`); `undefined` without one. */
  readonly cookieBytes: number | undefined
  readonly maxNoteLength: number
  readonly maxNotes: number
}

export function notesPage(view: NotesView): string {
  return layout(
    'Notes',
    view.theme,
    [
      ...view.notices.map((notice) => html`<p class="flash" role="status">${notice}</p>`),
      notesSection(view),
      comparison(),
    ],
    '/notes',
  ).markup
}

function notesSection(view: NotesView): Html {
  const size =
    view.cookieBytes === undefined
      ? html`No <code>guest</code> cookie yet: a cookie session sends nothing until it holds data.`
      : html`This request's <code>guest</code> cookie: ${view.cookieBytes} bytes of the 4096 a
          cookie may have.`
  return html`<section>
    <h2>Notes in a cookie session</h2>
    <p class="muted">
      These notes live in a sealed cookie, the default of <code>createCookieStore</code> (the store
      of the quick start): the whole session travels with every request, encrypted and authenticated
      (AES-256-GCM), and the server keeps nothing. The newest ${view.maxNotes} are kept, logged in
      or not.
    </p>
    ${
      view.notes.length === 0
        ? html`<p class="muted" data-testid="no-notes">No notes yet.</p>`
        : html`<ol class="notes">
            ${view.notes.map((note) => html`<li>${note}</li>`)}
          </ol>`
    }
    <form method="post" action="/notes">
      <label for="note">Note</label>
      <input id="note" type="text" name="note" required maxlength="${view.maxNoteLength}" />
      <div class="row">
        <button type="submit">Add note</button>
      </div>
    </form>
    ${
      view.notes.length > 0 &&
      html`<form method="post" action="/notes/clear">
        <button class="secondary" type="submit">Clear notes</button>
      </form>`
    }
    <p class="muted" data-testid="cookie-size">${size}</p>
  </section>`
}

function comparison(): Html {
  return html`<section aria-label="Cookie session and server session">
    <h2>How it differs from the login session</h2>
    <table>
      <thead>
        <tr>
          <th scope="col"></th>
          <th scope="col">Login (<code>app</code>): server-side</th>
          <th scope="col">Notes (<code>guest</code>): cookie</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">The data</th>
          <td>in the filesystem store on the server</td>
          <td>in the cookie, sealed</td>
        </tr>
        <tr>
          <th scope="row">The cookie</th>
          <td>a signed, random session id</td>
          <td>the whole session, encrypted</td>
        </tr>
        <tr>
          <th scope="row">Size</th>
          <td>no limit that matters</td>
          <td>4096 bytes for the cookie</td>
        </tr>
        <tr>
          <th scope="row">Ending it</th>
          <td>the server deletes the record: every copy of the cookie stops working</td>
          <td>
            the cookie is replaced, but a copy of the old one opens until it expires (7 idle days,
            30 at most)
          </td>
        </tr>
        <tr>
          <th scope="row">Listing</th>
          <td>the server lists a user's sessions and logs the others out</td>
          <td>the server knows nothing about it</td>
        </tr>
      </tbody>
    </table>
  </section>`
}

export function errorPage(status: number, message: string, detail?: string): string {
  return layout(message, 'light', [
    html`<section>
      <h2>${status} ${message}</h2>
      ${detail !== undefined && html`<p data-testid="error-detail">${detail}</p>`}
      <p><a href="/">Back to the home page</a></p>
    </section>`,
  ]).markup
}
