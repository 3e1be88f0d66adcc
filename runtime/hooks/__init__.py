"""Programs Dovecot runs: the post-login hook (POP-before-SMTP records) and the quota warning."""
