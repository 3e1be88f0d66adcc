"""PMailServer2 (A.K.I Software) reader: pmail.ini, account.dat, forward.txt, filter.txt."""
