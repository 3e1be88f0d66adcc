"""`tayori import-mail`: legacy mailboxes (XMail, PMailServer2, E-Post) into the appliance's Maildirs.

POP3 clients that leave mail on the server must not notice the move: each message keeps its legacy
POP3 UIDL (Dovecot's `dovecot-uidlist` `P` field), IMAP UIDs stay stable across runs, and a second
run imports only what is new. The legacy folder is only ever read.
"""
