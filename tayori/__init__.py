"""Tayori (便り): a mail appliance and the compiler that migrates legacy Windows mail servers to it.

The sub-packages live in the repository's top-level folders (profiles/, compiler/, runtime/,
appliance/); the links in this folder give them one import namespace.
"""

__version__ = "0.1.0"
