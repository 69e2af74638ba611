"""Calls: the call as received, its triage decisions and its assignments — models, schemas, SQL; `dispatch` changes them."""
