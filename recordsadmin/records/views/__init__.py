"""The dashboard's pages: browsing records, editing them, bulk work and CSV.

Views read the request, call services (recordsadmin/records/services/, and the bulk and
transfer packages, which use services like any view) and pick a template; records API errors
become pages through one decorator (`problems.shows_api_errors`).
"""
