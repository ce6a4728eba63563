"""Keys this project keeps in the session."""

LOGIN_AT_KEY = "login_at"
ACTIVE_ROLE_KEY = "active_role"
TOUCHED_AT_KEY = "touched_at"
