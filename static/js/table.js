// The records table from the keyboard: rows, shortcuts, focus after a swap
// (templates/records/_records_table.html).
