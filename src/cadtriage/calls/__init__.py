"""Calls: the call as received, its decisions and assignments (models, schemas, SQL); `dispatch` changes them."""
