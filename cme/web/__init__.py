"""The read-only live web view and /metrics on `ip http server` (issue 16 §3).

    site.py    the resource tree, the HTTP channel's limits, the listener (web_service)
    auth.py    log-in: the `username` lines, a session cookie or HTTP Basic, LoginGuard
    view.py    the snapshot as HTML sections, rendered from app.board (never an ask())
    events.py  server-sent events: the sections that changed, to the pages watching
    static/    the CSS and the little JavaScript (no build step, no CDN)
"""
