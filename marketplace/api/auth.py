"""Who is calling the API: the session cookie (with CSRF on writes) for the HTML site.

The JWT bearer scheme is added next to it for API clients (issue 3); endpoints that need a
signed-in caller use `auth=authenticated`.
"""

from __future__ import annotations

from ninja.security import SessionAuth

# django-ninja's SessionAuth checks CSRF for cookie-authenticated requests.
authenticated = [SessionAuth()]
