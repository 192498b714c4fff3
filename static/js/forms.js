// The record form at keyboard speed: focus, shortcuts, carried values, a warning before
// leaving unsaved changes (templates/records/record_form.html).
