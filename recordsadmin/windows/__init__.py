"""Sliding windows of calls, counted by every process and machine at once.

A rate limit that must hold across processes (the embedded API's emulated limit per token, the
dashboard's budget per location) counts its calls here. `windows()` is the store: Redis when
settings.REDIS_URL is set (each operation one Lua script, so two processes never both take the
last place), the database otherwise (one short transaction per operation). When Redis cannot be
reached, the store counts in this process until it can again, and says so in `status()`.

This package imports neither the dashboard nor the embedded API; both use it, through
`recordsadmin.windows.stores` (this module stays empty: Django imports it before the models).
"""
