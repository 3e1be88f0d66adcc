"""Reader for E-Post SMTP Server (Enterprise) installations.

One pure parser per legacy file format (`effect.py`, `maildat.py`, `regfile.py`, …) and the reader
(`reader.py`) that maps their records onto a profile and reports every line.
"""
