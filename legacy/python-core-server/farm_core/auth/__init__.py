"""Who is calling and what they may do: passwords, secrets, roles mapped to capabilities, login
throttling, and the `Principal` dependency handlers use to demand a capability."""

# Name of the browser session cookie.
SESSION_COOKIE = "farm_session"
