"""XMail 1.27 reader: compiles a `MailRoot` folder into a profile and a migration report."""
