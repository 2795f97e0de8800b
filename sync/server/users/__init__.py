"""County staff logins (supervisor, admin) for the server's web pages: Argon2id passwords, sessions."""
