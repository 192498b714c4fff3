"""What the tests share: a scriptable stub server, one proxy that records and breaks calls to
the embedded API, one schema builder, and pointing the dashboard at a records API."""
