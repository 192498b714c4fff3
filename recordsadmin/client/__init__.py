"""The records API's HTTP client: the only code of the dashboard that speaks to the API.

It knows the wire and nothing of Django's ORM or templates: `config` (where and as whom),
`transport` (one attempt), `retry` (what may be tried again, how long to wait, the deadline),
`call` (one call, its attempts and retries), `errors` (what can go wrong), `domain` (schemas,
records, users), `wire` (answers read in every documented spelling, requests written as the
real service wants them), `ratelimit` (what the answers announce), `budget` (the share of
the rate limit a call may use), `breaker` (whether a call may go while the service fails) and
`endpoints` (one function per API operation). The contract it follows is docs/records-api.md.
"""
