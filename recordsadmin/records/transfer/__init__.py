"""CSV in and out: the current search exported as a stream, imports checked row by row and
run as bulk jobs, and a job's report.

- `csvfiles`: reading an uploaded file, and cells that a spreadsheet would run as formulas;
- `export`: every record of a search, one CSV line at a time;
- `imports`: mapping a file's columns to fields, checking every row, starting the import;
- `report`: a job's outcome per item, as CSV.
"""
