"""Call detail records: what the server keeps of them (history.py), the JSON-lines and CSV
files they are written to (files.py), and reading those files back (reader.py).

The call core makes one actors.call_record.CallRecord per call leg and hands it to the
switch's `accounting` callable: CallHistory.record.
"""
from cme.cdr.history import CallHistory

__all__ = ["CallHistory"]
