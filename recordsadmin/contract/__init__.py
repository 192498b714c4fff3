"""What the records API is, with no I/O: the facts both sides of recordsadmin build on.

The dashboard (`recordsadmin.records` and its client, `recordsadmin.client`) and the embedded
API (`recordsadmin.sandbox`) each import this package and never each other. It imports neither.
"""
