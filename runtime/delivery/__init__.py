"""The delivery service: the queue's consumer.

`python -m tayori.runtime.delivery --root ROOT` (supervisord's `delivery` program). Each queue entry
is expanded through `tayori.profiles.resolve.Directory` (the resolution smtpd uses at RCPT), the
mailbox features of the profile are applied (lists, forwards, auto-replies, per-user filters) and
the mail is stored through Dovecot's LMTP or handed to outbound delivery. An entry leaves the queue
only when every recipient is delivered or bounced.
"""
