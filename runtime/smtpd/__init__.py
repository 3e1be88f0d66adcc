"""smtpd: the SMTP front door (listeners, TLS, AUTH, policy, durable queue). Run: `python -m tayori.runtime.smtpd`."""
