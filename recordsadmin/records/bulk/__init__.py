"""Bulk work: delete, set a field, or import rows on many records, as a job beside the page.

The records API has no bulk endpoint and allows so many calls per interval per location, so a
job is one call per record, paced to stay just under what the API announces, with a few calls
in flight so that latency does not cost throughput.

- `selection`: the records a job works on (checked rows, or every record a search matches);
- `changes`: what a bulk edit sets, checked like the record form checks it;
- `preview`: what a job would do, before it is queued;
- `jobs`: making, queueing, cancelling, retrying and resuming jobs, and their counts;
- `runner`: a job's run, item by item, each outcome committed as it finishes;
- `workers`: the call (or calls) for one item;
- `pacing`: the rate the calls go at;
- `outcomes`: what became of an item, and the words that tell people;
- `tasks`: the task the worker runs;
- `links`, `counting`: linking a selection to one record; counting an association's relations.

Every change is written to the history with the job's id, before the call and completed after
it, like a change made from a record's page.
"""
